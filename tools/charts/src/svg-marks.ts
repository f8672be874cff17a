import { XMLValidator } from "fast-xml-parser";

/**
 * Counts the drawn elements of one colour in an SVG: how tests and the benchmark smoke check
 * that a chart holds the marks its data says (every grant a tick, and so on). Each chart gives
 * each kind of mark a colour of its own; legend symbols count too. Lines are counted by `stroke`.
 */
export function countMarks(svg: string, color: string, paint: "fill" | "stroke" = "fill"): number {
  const pattern = new RegExp(`<(path|rect|circle)\\b[^>]*\\b${paint}="${color}"`, "gi");
  return svg.match(pattern)?.length ?? 0;
}

/** Whether the text is one well-formed XML document whose root element is an `<svg>`. */
export function isSvgDocument(svg: string): boolean {
  return XMLValidator.validate(svg) === true && /^<svg\b/.test(svg.trim());
}

import { countMarks, isSvgDocument } from "@proxy-auth/charts";
import type { Section } from "./report.js";

/**
 * What is wrong with the sections' charts: an SVG that does not parse, or a mark count that
 * differs from the run's own count (a grant tick per grant, a bar per implementation, ...).
 */
export function checkCharts(sections: Section[]): string[] {
  const problems: string[] = [];
  for (const chart of sections.flatMap((section) => section.charts ?? [])) {
    if (!isSvgDocument(chart.svg)) problems.push(`${chart.file}: not a well-formed SVG document`);
    for (const mark of chart.expectedMarks) {
      const found = countMarks(chart.svg, mark.color, mark.paint);
      if (found !== mark.count)
        problems.push(`${chart.file}: ${found} ${mark.what} drawn, ${mark.count} expected`);
    }
  }
  return problems;
}

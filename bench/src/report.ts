import { cpus, totalmem } from "node:os";

/** One benchmark's section of BENCHMARKS.md. */
export interface Section {
  title: string;
  /** What is measured and the target. */
  description: string;
  /** Markdown table: header row first. */
  table: string[][];
  /** Sentences under the table (verdicts against the targets). */
  notes: string[];
  /** Charts drawn from this section's run, written to docs/img/ by a full run. */
  charts?: Chart[];
}

/** A chart drawn from a measured run, and the marks it must hold (what the smoke run checks). */
export interface Chart {
  /** File name under docs/img/, e.g. "token-lifecycle.svg". */
  file: string;
  /** Alternative text for the image. */
  alt: string;
  svg: string;
  /** For each mark colour, how many elements of it the SVG must hold (the data's count plus legend symbols). */
  expectedMarks: Array<{ what: string; color: string; count: number; paint?: "fill" | "stroke" }>;
}

/** The machine, date and command every figure was measured with. */
export function machine(): string {
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  return `${cpu}, ${cpus().length} cores, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
}

export function renderTable(rows: string[][]): string {
  const [header, ...body] = rows;
  if (header === undefined) return "";
  const line = (cells: string[]) => `| ${cells.join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...body.map(line)].join("\n");
}

export function render(sections: Section[], command: string): string {
  const date = new Date().toISOString().slice(0, 10);
  const parts = [
    "# Benchmarks",
    "",
    "Every figure below comes from one run of the command named here, on the machine named here;",
    "each anchor was measured in the same run. Regenerate with `pnpm bench` (timings vary by machine;",
    "CI runs only a short smoke of these and never fails on a timing).",
    "",
    `- Machine: ${machine()}`,
    `- Date: ${date}`,
    `- Command: \`${command}\``,
  ];
  for (const section of sections) {
    parts.push("", `## ${section.title}`, "", section.description, "", renderTable(section.table));
    for (const chart of section.charts ?? [])
      parts.push("", `![${chart.alt}](./docs/img/${chart.file})`);
    if (section.notes.length > 0) parts.push("", ...section.notes.map((note) => `- ${note}`));
  }
  return `${parts.join("\n")}\n`;
}

export const ns = (value: number) => `${value.toFixed(1)} ns`;
export const ratio = (value: number) => `${value.toFixed(2)}×`;

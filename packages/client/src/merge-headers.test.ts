import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { mergeHeaders } from "./merge-headers.js";

describe("mergeHeaders", () => {
  it("merges case-insensitively, later sources winning, keeping the winner's spelling", () => {
    expect(
      mergeHeaders(
        { "X-Trace": "1", Accept: "a" },
        undefined,
        { "x-trace": "2" },
        { AUTHORIZATION: "Bearer t" },
      ),
    ).toEqual({
      Accept: "a",
      "x-trace": "2",
      AUTHORIZATION: "Bearer t",
    });
  });

  it("never mutates its inputs", () => {
    const first = { Authorization: "Bearer user" };
    const second = { authorization: "Bearer injected" };
    mergeHeaders(first, second);
    expect(first).toEqual({ Authorization: "Bearer user" });
    expect(second).toEqual({ authorization: "Bearer injected" });
  });

  const headerName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/);
  const headerSet = fc.dictionary(headerName, fc.string({ maxLength: 8 }), { maxKeys: 6 });

  it("property: one entry per name ignoring case, holding the value of the last source that set it", () => {
    fc.assert(
      fc.property(fc.array(headerSet, { maxLength: 5 }), (sources) => {
        const snapshot = JSON.stringify(sources);
        const merged = mergeHeaders(...sources);
        const lowerNames = Object.keys(merged).map((name) => name.toLowerCase());
        expect(new Set(lowerNames).size).toBe(lowerNames.length);
        for (const [name, value] of Object.entries(merged)) {
          const last = sources
            .flatMap((source) => Object.entries(source))
            .filter(([candidate]) => candidate.toLowerCase() === name.toLowerCase())
            .at(-1);
          expect(last).toEqual([name, value]);
        }
        const every = new Set(
          sources.flatMap((source) => Object.keys(source).map((name) => name.toLowerCase())),
        );
        expect(new Set(lowerNames)).toEqual(every);
        expect(JSON.stringify(sources)).toBe(snapshot);
      }),
    );
  });

  it("property: the injected Authorization, given last, always wins over any user spelling", () => {
    fc.assert(
      fc.property(
        headerSet,
        fc.constantFrom("authorization", "Authorization", "AUTHORIZATION", "aUtHoRiZaTiOn"),
        (user, spelling) => {
          const merged = mergeHeaders(
            { ...user, [spelling]: "Bearer user" },
            { Authorization: "Bearer injected" },
          );
          const values = Object.entries(merged).filter(
            ([name]) => name.toLowerCase() === "authorization",
          );
          expect(values).toEqual([["Authorization", "Bearer injected"]]);
        },
      ),
    );
  });
});

/**
 * Validation problems as a caller reads them. A large invalid input (thousands of bad elements, an
 * object with thousands of unknown keys) would otherwise answer with an error bigger than itself:
 * the message names the first few problems, each cut to a readable length, and counts the rest.
 */

/** How many problems a message names before it only counts the rest. */
export const LISTED_PROBLEMS = 10;
/** The longest one problem reads in a message (a zod message can list every unknown key). */
export const PROBLEM_MAX_CHARS = 200;

const cut = (problem: string) =>
  problem.length > PROBLEM_MAX_CHARS ? `${problem.slice(0, PROBLEM_MAX_CHARS - 1)}…` : problem;

/** The first {@link LISTED_PROBLEMS} problems joined with `; `, then how many more there are. */
export function listProblems(problems: readonly string[]): string {
  const listed = problems.slice(0, LISTED_PROBLEMS).map(cut).join('; ');
  const more = problems.length - LISTED_PROBLEMS;
  return more > 0 ? `${listed}; and ${more} more (${problems.length} problems in all)` : listed;
}

/**
 * Election priority: the higher wins, 0 = never promoted automatically. One range for the agent's
 * --priority flag, the API and the console, so a value one accepts the others can show and change.
 */
export const PRIORITY_MAX = 1000;

export function priorityProblem(priority: number): string | null {
  return Number.isInteger(priority) && priority >= 0 && priority <= PRIORITY_MAX ? null : `priority must be an integer from 0 to ${PRIORITY_MAX}`;
}

// Whether this Node.js can run the project (package.json's engines says which), so that someone
// on an older one gets one line saying what to install instead of a stack trace later on.

/** The lowest major version an engines range like ">=22" accepts. */
export function lowestNodeMajor(engines: string): number {
  const major = /^>=\s*v?(\d+)/.exec(engines.trim())?.[1];
  if (major === undefined) throw new Error(`package.json engines.node should read ">=<major>", got '${engines}'`);
  return Number(major);
}

/** One line naming the Node.js to install, or undefined when `version` (like "v22.23.5") will do. */
export function olderNodeProblem(version: string, engines: string): string | undefined {
  const required = lowestNodeMajor(engines);
  if (Number(/^v?(\d+)/.exec(version)?.[1]) >= required) return undefined;
  return (
    `ecr-access needs Node.js ${required} or later, and this is Node.js ${version.replace(/^v/, '')}: ` +
    `install Node.js ${required} (https://nodejs.org/en/download), then run npm ci && npm run sandbox again.`
  );
}

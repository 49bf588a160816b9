// Global setup: starts the real services the suites need (filled in by the test rig).
export default async function setup(): Promise<() => Promise<void>> {
  return async () => {};
}

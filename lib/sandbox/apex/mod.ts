/**
 * The APEx Dispatch API twin of the sandbox.
 *
 * @module
 */
export { type ApexTwin, apexTwin, type ApexTwinOptions } from "./twin.ts";
export {
  type ApexStatus,
  ApexStore,
  type ApexStoreState,
  DEFAULT_LIFECYCLE,
  type JobRecord,
  type LifeCycle,
  type Service,
  type TaskRecord,
} from "./jobs.ts";

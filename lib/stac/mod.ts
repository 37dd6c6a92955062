/**
 * A run's results as STAC: a Collection with one Item per finished tile and the mosaic as an
 * asset, written as a folder with relative links, and published to a STAC API (Transactions).
 *
 * @module
 */
export {
  buildRunStac,
  type Json,
  type RunStac,
  type RunStacInput,
  type StacProvider,
  type StacTile,
  writeStac,
} from "./build.ts";
export { type RunData, type RunDataOptions, writeRunData } from "./run_data.ts";
export { type RunFolder, runFolder, type RunFolderOptions } from "./run_folder.ts";
export { searchStac, type StacSearch } from "./search.ts";
export { PublishError, type PublishOptions, type PublishResult, publishStac } from "./publish.ts";

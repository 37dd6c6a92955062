/**
 * The npm package `puppeteer-core` (drives the system's Chromium in the browser test), pinned here
 * and only here by its full `npm:` specifier.
 *
 * @module
 */
export { default as puppeteer } from "npm:puppeteer-core@25.16.0";
export type { Browser, Frame, Page } from "npm:puppeteer-core@25.16.0";

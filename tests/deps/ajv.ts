/**
 * The npm packages `ajv` and `ajv-formats` (JSON Schema validation, for the STAC tests), pinned
 * here and only here by their full `npm:` specifiers.
 *
 * @module
 */
export { default as Ajv } from "npm:ajv@8.20.0";
export { default as addFormats } from "npm:ajv-formats@3.0.1";

export { ERRORS, type ErrorName } from './codes.js';
export { fail, isSurfhiveError, SurfhiveError } from './surfhive-error.js';

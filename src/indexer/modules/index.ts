export { findModules, type ModuleCompression, type ModuleFile } from './find.js';
export { checkModuleName, isModuleName } from './module-name.js';
export { type PreparedModule, type PrepareOptions, prepareModule } from './prepare.js';

// SPDX-License-Identifier: Apache-2.0
/** The names every component of the module agrees on, each declared once. */
export * from './annotations.js';
export * from './conditions.js';
export * from './labels.js';
export * from './resources.js';

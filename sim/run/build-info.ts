/**
 * Set by `bin/build.mjs` in the bundle `npm run sim` runs (esbuild's `define`), and not declared
 * at all when the code runs from source under tsx: `typeof` tells the two apart.
 */
declare const REFKA_BUILD: { readonly version: string } | undefined;

/** What this code knows of its build: undefined when it runs from source. */
export const bundledBuild: { readonly version: string } | undefined = typeof REFKA_BUILD === 'undefined' ? undefined : REFKA_BUILD;

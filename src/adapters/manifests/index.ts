/**
 * Manifest building for the Sync controller: plain YAML or kustomize → ordered Kubernetes objects
 * with a digest, and Flux's postBuild variable substitution. See README.md.
 */
export { buildManifests, type BuildOptions, type BuildResult } from './build.ts';
export { BuildError, isBuildError, type BuildErrorCode, type BuildErrorLocation } from './errors.ts';
export { KUSTOMIZATION_FILE_NAMES, type LoadRestrictor } from './kustomize.ts';
export { describeObject, manifestDigest, type BuiltObject, type ManifestSource } from './objects.ts';
export {
  FLUX_SUBSTITUTE_ANNOTATION,
  substitute,
  SUBSTITUTE_ANNOTATION,
  substitutionDisabled,
  type SubstituteOptions,
} from './substitute.ts';
export { envsubst, type EnvsubstOptions, type VariableLookup } from './envsubst.ts';

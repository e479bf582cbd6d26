// The policy rules, in one place: parse, decide who can pull, merge, verify.
export * from './document';
export * from './can-pull';
export * from './grant';
export { canonicalStatement } from './canonical';
export * from './revoke';
export * from './changes';
export * from './lambda';
export * from './organizational-unit';

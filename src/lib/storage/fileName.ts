/** The container of local files outside a laid-out tree: their path is absolute. */
export const LOCAL_CONTAINER = 'local';

/**
 * How a file is named to people: a blob (or a laid-out download) as `container/path`, a local file
 * outside a tree by its own absolute path (`local//tmp/x.json` names nothing a user can open).
 */
export function fileName(file: { readonly container: string; readonly path: string }): string {
  return file.container === LOCAL_CONTAINER ? file.path : `${file.container}/${file.path}`;
}

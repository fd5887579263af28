/**
 * Folder names made from resource names. A name the API allows can still be a path of its own: an
 * application named `..` is valid on AWS (ApplicationName is `[a-zA-Z0-9_.-]+`), and a folder named
 * after it would be the parent folder. Every per-resource folder goes through here.
 */
import path from 'node:path';

/**
 * One path segment for a name, never `.`, `..` or hidden: characters other than letters, digits, `_`,
 * `-` and `.` and a leading dot are percent-encoded (`%` itself too, so distinct names stay distinct).
 * Ordinary names (`flinkflow-app`) come out unchanged.
 */
export function nameSegment(name: string): string {
  if (name === '') throw new Error('A resource name cannot be empty.');
  const encoded = [...name]
    .map((c) =>
      /[A-Za-z0-9_.-]/.test(c)
        ? c
        : [...Buffer.from(c, 'utf8')]
            .map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`)
            .join(''),
    )
    .join('');
  return encoded.startsWith('.') ? `%2E${encoded.slice(1)}` : encoded;
}

/** Whether `candidate` is `root` or inside it (a plain prefix test would take `/data-x` for inside `/data`). */
export function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(path.resolve(root), path.resolve(candidate));
  return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
}

/** `root/<segment of name>`, checked to be inside root. */
export function resourceFolder(root: string, name: string): string {
  const folder = path.join(root, nameSegment(name));
  if (!isInside(root, folder) || path.resolve(folder) === path.resolve(root))
    throw new Error(`The name ${JSON.stringify(name)} does not make a folder inside ${root}.`);
  return folder;
}

// Calls back when the config file changes. Watches the directory, not the file: editors and
// Kubernetes ConfigMaps replace files by rename, which a watch on the old inode would miss.
import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";

export function watchConfigFile(path: string, onChange: () => void, debounceMs = 250): { close(): void } {
  const file = resolve(path);
  const name = basename(file);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name && !changed.startsWith("..data")) return;
      clearTimeout(timer);
      timer = setTimeout(onChange, debounceMs);
    });
  } catch {
    // No watch support (some network filesystems): SIGHUP still reloads.
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

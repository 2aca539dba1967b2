import type { TableItem } from '../../lambda/core/items';
import type { ItemWriter } from '../../lambda/core/pipeline';

/** Collects items by key, as a table would (a second write of a key replaces the first). */
export class CollectingWriter implements ItemWriter {
  readonly items = new Map<string, TableItem>();
  writes = 0;

  async write(items: readonly TableItem[]): Promise<void> {
    this.writes++;
    for (const item of items) this.items.set(`${item.pk}|${item.sk}`, item);
  }

  partition(pk: string): TableItem[] {
    return [...this.items.values()].filter((i) => i.pk === pk).sort((a, b) => (a.sk < b.sk ? 1 : -1));
  }

  events(): TableItem[] {
    return [...this.items.values()].filter((i) => i.kind === 'event');
  }
}

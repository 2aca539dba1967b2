import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { StoreWriteError } from '../../../lambda/core/errors';
import type { StringSetAddition } from '../../../lambda/core/store-port';
import { OWN_ATTRIBUTES } from './codec';
import type { BodyRefs } from './entries';

/**
 * String-set additions (`ADD attribute :values`) on the rows of ./entries.ts; a missing item stays
 * missing. The merge is SQLite's (JSON functions): the union of the values, as a JSON array.
 *
 * A row written whole is changed in place. The additions to rows with a body are grouped by body,
 * attribute and values (an event's findings are added to all of its index items in one call): a
 * group that holds every row of its body changes the body in place, once; any other group gets a
 * new body of its own (copy on write), and the old one counts that many rows fewer. The additions
 * run in order: a row met a second time in one call sees the first addition.
 */

/** See `SetAdditions.run`. */
export interface AdditionOptions {
  readonly upto?: number;
  readonly missing?: (a: StringSetAddition) => void;
}

/** A row found by its key. */
export interface Located {
  readonly id: number;
  readonly body: number | null;
  readonly sets: string | null;
}

/** Rows of one body given the same values of the same attribute, and the body they then have. */
interface Group {
  readonly body: number;
  readonly refs: number;
  /** The attribute's JSON type in the body (null: absent). */
  readonly type: string | null;
  readonly json: string;
  /** The rows, each with its `sets` as the addition leaves it (`listed`: as it was). */
  readonly rows: { readonly id: number; readonly sets: string; readonly listed: boolean }[];
}

/** The JSON object `doc` with the attribute ?1 the union of its values and ?2 (a JSON array). */
const union = (doc: string): string => `json_set(${doc}, ?1, json((SELECT json_group_array(value) FROM
  (SELECT value FROM json_each(${doc}, ?1) UNION SELECT value FROM json_each(?2)))))`;

/** ?1 the attribute's JSON path, ?2 the values, ?3 the attribute, ?4 the row; only where allowed. */
const ADD_TO_WHOLE = `UPDATE entries SET
    item = ${union('item')},
    sets = CASE WHEN sets IS NULL THEN json_array(?3)
      WHEN EXISTS (SELECT 1 FROM json_each(sets) WHERE value = ?3) THEN sets
      ELSE json_insert(sets, '$[#]', ?3) END
  WHERE rowid = ?4
    AND (json_type(item, ?1) IS NULL OR EXISTS (SELECT 1 FROM json_each(sets) WHERE value = ?3))`;

/** ?1 the path, ?2 the values, ?3 the body: its count, the attribute's type there, and the body with the union. */
const CHANGED_BODY = `SELECT refs, json_type(doc, ?1) AS type, ${union('doc')} AS json
  FROM (SELECT refs, '{' || json AS doc FROM bodies WHERE id = ?3)`;

export class SetAdditions {
  private readonly addToWhole: StatementSync;
  private readonly changedBody: StatementSync;
  private readonly setBody: StatementSync;
  private readonly setRow: StatementSync;

  constructor(
    db: DatabaseSync,
    /** The store's name in errors. */
    private readonly source: string,
    private readonly refs: BodyRefs,
    /** The row of an item, if any (./entries.ts). */
    private readonly locate: (pk: string, sk: string) => Located | undefined,
  ) {
    this.addToWhole = db.prepare(ADD_TO_WHOLE);
    this.changedBody = db.prepare(CHANGED_BODY);
    this.setBody = db.prepare('UPDATE bodies SET json = ? WHERE id = ?');
    this.setRow = db.prepare('UPDATE entries SET body = ?, sets = ? WHERE rowid = ?');
  }

  /**
   * Makes the additions; with `upto`, only to rows whose id is at most that (the others are taken as
   * missing), and each addition whose row is not found is given to `missing` (./deferred-index.ts).
   * @throws StoreWriteError when the attribute holds something other than a string set (DynamoDB
   * refuses the same update), or its name cannot be a JSON path key; the additions before it are made
   */
  run(additions: readonly StringSetAddition[], where: AdditionOptions = {}): void {
    const { upto, missing } = where;
    this.refs.during(() => {
      const groups = new Map<string, Group>();
      try {
        const pending = new Set<number>();
        for (const a of additions) {
          if (a.values.length === 0) continue;
          let row = this.find(a, upto);
          if (!row) {
            missing?.(a);
            continue;
          }
          if (pending.has(row.id)) {
            // met again: its first addition is made before this one reads it
            this.flush(groups);
            pending.clear();
            row = this.find(a, upto) as Located;
          }
          if (row.body === null) this.addWhole(a, row.id);
          else {
            this.addToBody(a, row, row.body, groups);
            pending.add(row.id);
          }
        }
      } catch (error) {
        if ((error as { code?: string })?.code !== 'ERR_SQLITE_ERROR') this.flush(groups);
        throw error;
      }
      this.flush(groups);
    });
  }

  /** The row of the addition's item, if any. @throws StoreWriteError for an attribute name that cannot be a path */
  private find(a: StringSetAddition, upto: number | undefined): Located | undefined {
    checkAttribute(a, this.source);
    const row = this.locate(a.pk, a.sk);
    return row && (upto === undefined || row.id <= upto) ? row : undefined;
  }

  private addWhole(a: StringSetAddition, id: number): void {
    const changed = this.addToWhole.run(pathOf(a), JSON.stringify(a.values), a.attribute, id).changes;
    if (Number(changed) === 0) throw this.notASet(a);
  }

  /** Adds the row to the group of its body, attribute and values (the new body is made once per group). */
  private addToBody(a: StringSetAddition, row: Located, body: number, groups: Map<string, Group>): void {
    const values = JSON.stringify(a.values);
    const key = `${body}\n${a.attribute}\n${values}`;
    let group = groups.get(key);
    if (!group) {
      const changed = this.changedBody.get(pathOf(a), values, body) as {
        refs: number;
        type: string | null;
        json: string;
      };
      group = {
        body,
        refs: this.refs.count(body, changed.refs),
        // the row's own attributes are strings, never in the body
        type: (OWN_ATTRIBUTES as readonly string[]).includes(a.attribute) ? 'text' : changed.type,
        json: changed.json.slice(1),
        rows: [],
      };
      groups.set(key, group);
    }
    const sets = row.sets === null ? [] : (JSON.parse(row.sets) as string[]);
    const listed = sets.includes(a.attribute);
    if (group.type !== null && !listed) throw this.notASet(a);
    group.rows.push({
      id: row.id,
      sets: listed ? (row.sets as string) : JSON.stringify([...sets, a.attribute]),
      listed,
    });
  }

  /** Gives the rows of each group their new body: the old one changed in place when they are all its rows. */
  private flush(groups: Map<string, Group>): void {
    const left = new Map<number, number>();
    for (const g of groups.values()) {
      // a group whose first addition failed
      if (g.rows.length === 0) continue;
      const rows = left.get(g.body) ?? g.refs;
      if (g.rows.length === rows) {
        this.setBody.run(g.json, g.body);
        for (const r of g.rows) if (!r.listed) this.setRow.run(g.body, r.sets, r.id);
      } else {
        const id = this.refs.insert(g.rows.length, g.json);
        for (const r of g.rows) this.setRow.run(id, r.sets, r.id);
        this.refs.change(g.body, -g.rows.length);
      }
      left.set(g.body, rows - g.rows.length);
    }
    groups.clear();
  }

  private notASet(a: StringSetAddition): StoreWriteError {
    return new StoreWriteError(
      `cannot add to ${a.attribute} of the item (${a.pk}, ${a.sk}): it is not a string set`,
      this.source,
    );
  }
}

/** @throws StoreWriteError for an attribute name that cannot be a JSON path key */
function checkAttribute(a: StringSetAddition, source: string): void {
  if (/["\\]/.test(a.attribute))
    throw new StoreWriteError(
      `cannot add to the attribute ${JSON.stringify(a.attribute)}: its name has a quote or a backslash`,
      source,
    );
}

function pathOf(a: StringSetAddition): string {
  return `$."${a.attribute}"`;
}

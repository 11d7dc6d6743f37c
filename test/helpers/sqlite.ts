import { execa } from "execa";

/** Runs SQL with Debian's sqlite3 shell; returns stdout trimmed. */
export async function sql(db: string, statements: string, readonly = false): Promise<string> {
  const args = ["-batch", "-bail", "-cmd", ".timeout 5000", ...(readonly ? ["-readonly"] : []), db];
  const { stdout } = await execa("sqlite3", args, { input: statements });
  return stdout.trim();
}

export async function createDb(db: string, rows: number): Promise<void> {
  const values = Array.from({ length: rows }, (_, i) => `(${i + 1}, 'row ${i + 1}')`).join(",");
  await sql(
    db,
    `PRAGMA journal_mode=WAL; CREATE TABLE items(id INTEGER PRIMARY KEY, body TEXT); ${rows > 0 ? `INSERT INTO items VALUES ${values};` : ""}`,
  );
}

export async function countRows(db: string, table = "items"): Promise<number> {
  return Number(await sql(db, `SELECT count(*) FROM ${table};`, true));
}

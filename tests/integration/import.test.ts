/**
 * Import of a list (CSV, XLSX) and export (the alliance as JSON, a board as
 * CSV) against the real server: dry run and import of a 1,000-row file with
 * errors and duplicates (exact counts), Excel's `;` CSV in Windows-1252, an
 * XLSX built here with exceljs, refusals (type 415, size 413, viewer 403,
 * other alliance 404, foreign origin 403), who sees which references in the
 * export, a meeting with its parts and the moments' list in the export (and
 * not another alliance's), and a board's CSV read back by the import.
 */
import { crc32, deflateRawSync, inflateRawSync } from "node:zlib";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBoard } from "../../app/board/domain";
import { makeBoard } from "../factories";
import { and, eq } from "drizzle-orm";
import { count as countRows, jsonText } from "../../db/dialect";
import { startTestServer, storedDocOf, waitFor, type TestServer } from "./harness";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

let s: TestServer;

beforeAll(async () => {
  s = await startTestServer({ REQUESTS_PER_ORG_PER_HOUR: "10" });
});
afterAll(async () => {
  await s?.close();
});

async function upload(
  path: string,
  body: Uint8Array | string,
  o: { cookie?: string; type?: string; origin?: string | null; length?: number } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { "content-type": o.type ?? "text/csv" };
  if (o.origin !== null) headers.origin = o.origin ?? s.url;
  if (o.cookie) headers.cookie = o.cookie;
  const res = await fetch(s.url + path, { method: "POST", headers, body: typeof body === "string" ? body : Buffer.from(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

function importPath(boardId: string, query = "") {
  return `/api/boards/${boardId}/import${query ? `?${query}` : ""}`;
}

const CATEGORIES = ["Wonen", "Taal", "Werk", "Maatje & ontmoeting"];

/**
 * 1,000 data rows: every 50th has no title (20), every 77th an unknown
 * category "Fietsen" (13, 1 of them also without title: row index 0 is both
 * 0 mod 50 and 0 mod 77), every 100th (from 10) repeats the reference and
 * category of the row before it, and rows 500–504 carry the reference of a
 * request already on the board (500 also lacks a title).
 */
function bigCsv(existingRef: string): string {
  const lines = ["Hulpvraag;Categorie;Omschrijving;Wijk;Urgentie;Referentie"];
  const cats: string[] = [];
  const refs: string[] = [];
  for (let i = 0; i < 1000; i++) {
    const noTitle = i % 50 === 0;
    const badCat = i % 77 === 0;
    let cat = badCat ? "Fietsen" : CATEGORIES[i % 4];
    let ref = `IMP-${String(i).padStart(4, "0")}`;
    const dupOfPrevious = i % 100 === 10;
    if (dupOfPrevious) {
      cat = cats[i - 1];
      ref = refs[i - 1];
    }
    if (i >= 500 && i < 505) ref = existingRef;
    if (i >= 500 && i < 505) cat = "Wonen";
    cats.push(cat);
    refs.push(ref);
    lines.push([noTitle ? "" : `Hulpvraag nummer ${i}`, cat, `Omschrijving ${i}; met puntkomma`, "Centrum", i % 3 ? "normaal" : "Hoog", ref].map((v) => (v.includes(";") ? `"${v}"` : v)).join(";"));
  }
  return lines.join("\r\n") + "\r\n";
}

describe("import", () => {
  it("previews and imports a 1,000-row CSV with errors and duplicates, exact counts", async () => {
    const { boardA, cookies } = s.seed;
    // A request on the board with a reference, entered by the other organisation of the alliance.
    const made = await s.api(`/api/boards/${boardA.id}/requests`, {
      cookie: cookies.memberA2,
      body: { title: "Woning voor gezin", category: "wonen", reference: "BESTAAND-1", description: "", area: "" },
    });
    expect(made.status).toBe(201);
    const csv = bigCsv("BESTAAND-1");

    const dry = await upload(importPath(boardA.id, "dryRun=1"), csv, { cookie: cookies.memberA1 });
    expect(dry.status).toBe(200);
    const p = dry.body;
    expect(p.headers).toEqual(["Hulpvraag", "Categorie", "Omschrijving", "Wijk", "Urgentie", "Referentie"]);
    expect(p.mapping).toEqual({ title: "Hulpvraag", category: "Categorie", description: "Omschrijving", area: "Wijk", urgency: "Urgentie", reference: "Referentie" });
    expect(p.delimiter).toBe(";");
    expect(p.rows).toHaveLength(1000);
    // 20 without title, 13 with an unknown category, row 2 (index 0) is both: 32 invalid rows, 33 errors.
    expect(p.counts.invalid).toBe(32);
    expect(p.errors).toHaveLength(33);
    expect(p.errors.filter((e: any) => e.field === "title" && e.code === "required")).toHaveLength(20);
    expect(p.errors.filter((e: any) => e.field === "category" && e.code === "unknown")).toHaveLength(13);
    expect(p.errors[0]).toMatchObject({ row: 2, field: "title", code: "required" });
    expect(p.unknownCategories).toEqual([{ value: "Fietsen", rows: 13 }]);
    // Within the file: rows 10, 110, ..., 910 repeat the row before them (10), and rows 502–504 repeat 501 (3).
    const fileDups = p.duplicates.filter((d: any) => d.kind === "file");
    expect(fileDups).toHaveLength(13);
    expect(fileDups[0]).toEqual({ row: 12, kind: "file", ofRow: 11 });
    expect(fileDups.filter((d: any) => d.ofRow === 503).map((d: any) => d.row)).toEqual([504, 505, 506]);
    // Against the board: rows 500–504 carry BESTAAND-1 in Wonen; 500 has no title, so 501–504 (file rows
    // 503–506) are board duplicates, named by organisation and category, without the other's id.
    const boardDups = p.duplicates.filter((d: any) => d.kind === "board");
    expect(boardDups).toHaveLength(4);
    expect(boardDups[0]).toEqual({ row: 503, kind: "board", organisation: "TH", category: "wonen", categoryLabel: "Wonen" });
    expect(p.counts).toEqual({ rows: 1000, valid: 968, invalid: 32, duplicates: 14, toImport: 954, personalData: 0 });
    expect(JSON.stringify(p)).not.toContain("BESTAAND-1".toLowerCase());
    // A dry run changes nothing.
    expect(readBoard(await storedDocOf(s.h, boardA.id)).cards).toHaveLength(5);

    // The unknown category mapped to an existing one in the preview: 13 more rows (12: one of them has no title).
    const mapped = await upload(importPath(boardA.id, "dryRun=1&category.Fietsen=maatje"), csv, { cookie: cookies.memberA1 });
    expect(mapped.body.counts).toEqual({ rows: 1000, valid: 980, invalid: 20, duplicates: 14, toImport: 966, personalData: 0 });

    const created = async () =>
      (await s.api("/api/alliance/limits", { cookie: cookies.coordinatorA })).body.createdPastHour.find((o: any) => o.orgId === s.seed.orgA1.id).created;
    const createdBefore = await created();
    // Someone has the board open: the import reaches them as one update.
    const watcher = await s.connect(boardA.id, { cookie: cookies.memberA2 });
    const updatesBefore = watcher.received.length;
    const res = await upload(importPath(boardA.id), csv, { cookie: cookies.memberA1 });
    expect(res.status).toBe(201);
    expect(res.body.created).toBe(954);
    await waitFor(() => readBoard(watcher.doc).cards.length === 5 + 954, { message: "the open board got the imported cards" });
    expect(watcher.received.length - updatesBefore).toBe(1);
    expect(res.body.ids).toHaveLength(954);
    const doc = await storedDocOf(s.h, boardA.id);
    const cards = readBoard(doc).cards;
    expect(cards).toHaveLength(5 + 954);
    const imported = cards.filter((c) => res.body.ids.includes(c.id));
    expect(imported.every((c) => c.createdByOrg === s.seed.orgA1.id && c.column === "nieuw")).toBe(true);
    expect(imported.find((c) => c.title === "Hulpvraag nummer 3")).toMatchObject({ category: "maatje", description: "Omschrijving 3; met puntkomma", area: "Centrum", urgency: "hoog" });
    // The reference is in the database, seen by the importing organisation only.
    const one = imported.find((c) => c.title === "Hulpvraag nummer 3")!;
    const mine = await s.api(`/api/boards/${boardA.id}/requests/${one.id}`, { cookie: cookies.memberA1 });
    expect(mine.body.reference).toBe("IMP-0003");
    const theirs = await s.api(`/api/boards/${boardA.id}/requests/${one.id}`, { cookie: cookies.memberA2 });
    expect(theirs.body.reference ?? null).toBeNull();
    // One audit row per request, of the importing person.
    const { auditEvents } = s.h.t;
    const [audit] = await s.h.q
      .select({ n: countRows() })
      .from(auditEvents)
      .where(and(eq(auditEvents.type, "created"), eq(jsonText(s.h, auditEvents.data, "import"), res.body.importId)));
    expect(Number(audit.n)).toBe(954);

    // The import counted as one operation: the quota (10 here) still allows hand-entered requests.
    const after = await s.api(`/api/boards/${boardA.id}/requests`, {
      cookie: cookies.memberA1,
      body: { title: "Nog een hulpvraag", category: "taal", description: "", area: "" },
    });
    expect(after.status).toBe(201);
    expect(await created()).toBe(createdBefore + 2);

    // Importing the same file again: every good row is now a duplicate of the board.
    const again = await upload(importPath(boardA.id, "dryRun=1"), csv, { cookie: cookies.memberA1 });
    expect(again.body.counts.toImport).toBe(0);
    const refused = await upload(importPath(boardA.id), csv, { cookie: cookies.memberA1 });
    expect(refused.status).toBe(422);
    expect(refused.body.error).toBe("nothing_to_import");
  }, 120_000);

  it("reads Excel's ';' CSV in Windows-1252 (é, ë) and UTF-8 with BOM alike, and ',' files", async () => {
    const { boardB, cookies } = s.seed;
    const text = "Titel;Soort;Wijk;Kenmerk\r\nCaféhulp voor Noël;Taal;Zuidërpark;ZZ-1\r\n";
    const cp1252 = Buffer.from(text, "latin1"); // é and ë are the same bytes in Windows-1252
    expect(cp1252.includes(Buffer.from("é", "utf8"))).toBe(false);
    const a = await upload(importPath(boardB.id, "dryRun=1"), cp1252, { cookie: cookies.memberB });
    expect(a.status).toBe(200);
    expect(a.body).toMatchObject({ encoding: "windows-1252", delimiter: ";", mapping: { title: "Titel", category: "Soort", area: "Wijk", reference: "Kenmerk" } });
    expect(a.body.rows[0].values).toMatchObject({ title: "Caféhulp voor Noël", area: "Zuidërpark" });
    expect(a.body.errors).toEqual([]);

    const bom = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text.replace(/;/g, ","), "utf8")]);
    const b = await upload(importPath(boardB.id, "dryRun=1"), bom, { cookie: cookies.memberB });
    expect(b.body).toMatchObject({ encoding: "utf-8", delimiter: ",", headers: ["Titel", "Soort", "Wijk", "Kenmerk"] });
    expect(b.body.rows[0].values.title).toBe("Caféhulp voor Noël");

    const made = await upload(importPath(boardB.id), cp1252, { cookie: cookies.memberB });
    expect(made.status).toBe(201);
    const card = readBoard(await storedDocOf(s.h, boardB.id)).cards.find((c) => c.id === made.body.ids[0])!;
    expect(card).toMatchObject({ title: "Caféhulp voor Noël", area: "Zuidërpark", category: "taal" });
  });

  it("finds ';' in a two-column file of a few rows and in one with blank lines at the top or 100,000 blank lines after it", async () => {
    const { boardA, cookies } = s.seed;
    const files = [
      "Titel;Categorie\r\nEen goede titel;Taal\r\n",
      "Titel;Categorie\r\nEen goede titel;Taal\r\nNog een titel;Werk\r\n\r\n\r\n",
      "\r\n\r\n\r\nTitel;Categorie\r\nEen goede titel;Taal\r\n",
      "Titel;Categorie\r\nEen goede titel;Taal\r\n" + "\r\n".repeat(100_000),
    ];
    for (const file of files) {
      const res = await upload(importPath(boardA.id, "dryRun=1"), file, { cookie: cookies.memberA1 });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ delimiter: ";", headers: ["Titel", "Categorie"], mapping: { title: "Titel", category: "Categorie" }, errors: [] });
      expect(res.body.rows.find((r: { values: { title?: string } }) => r.values.title)?.values).toEqual({ title: "Een goede titel", category: "Taal" });
    }
  });

  it("reads the first sheet of an XLSX: numbers, dates, rich text and formulas become text; the mapping can be given", async () => {
    const { boardA, cookies } = s.seed;
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("Lijst");
    wb.addWorksheet("Andere");
    ws.addRow(["Nr", "Vraag", "Type", "Toelichting", "Status", "Dossier"]);
    ws.addRow([1, { richText: [{ text: "Taalles " }, { font: { bold: true }, text: "gezocht" }] }, "Taal", new Date(Date.UTC(2026, 2, 1)), "Open", 20260301]);
    ws.addRow([2, { formula: '"Werk"&" zoeken"', result: "Werk zoeken" }, "werk", 12.5, "Afgerond", "XL-2"]);
    ws.addRow([3, "In behandeling gezet", "werk", "", "Opgepakt", "XL-3"]);
    const bytes = new Uint8Array(await wb.xlsx.writeBuffer());
    const dry = await upload(importPath(boardA.id, "dryRun=1&map.title=Vraag&map.column=Status&map.description=Toelichting"), bytes, {
      cookie: cookies.coordinatorA,
      type: XLSX,
    });
    expect(dry.status).toBe(200);
    expect(dry.body.format).toBe("xlsx");
    expect(dry.body.mapping).toEqual({ title: "Vraag", category: "Type", description: "Toelichting", column: "Status", reference: "Dossier" });
    expect(dry.body.rows.map((r: any) => r.values)).toEqual([
      { title: "Taalles gezocht", category: "Taal", description: "2026-03-01", column: "Open", reference: "20260301" },
      { title: "Werk zoeken", category: "werk", description: "12.5", column: "Afgerond", reference: "XL-2" },
      { title: "In behandeling gezet", category: "werk", description: "", column: "Opgepakt", reference: "XL-3" },
    ]);
    // A held column needs a holder: that row is refused with a reason, the others go where the file says.
    expect(dry.body.errors).toEqual([{ row: 4, field: "column", code: "held", message: expect.any(String), value: "Opgepakt" }]);
    const res = await upload(importPath(boardA.id, "map.title=Vraag&map.column=Status&map.description=Toelichting"), bytes, {
      cookie: cookies.coordinatorA,
      type: XLSX,
    });
    expect(res.status).toBe(201);
    const cards = readBoard(await storedDocOf(s.h, boardA.id)).cards.filter((c) => res.body.ids.includes(c.id));
    expect(cards.map((c) => [c.title, c.column]).sort()).toEqual([
      ["Taalles gezocht", "open"],
      ["Werk zoeken", "afgerond"],
    ]);
    // The same file sent as text/csv is still read as the XLSX it is.
    const mislabelled = await upload(importPath(boardA.id, "dryRun=1&map.title=Vraag"), bytes, { cookie: cookies.coordinatorA });
    expect([mislabelled.status, mislabelled.body.format, mislabelled.body.counts.rows]).toEqual([200, "xlsx", 3]);
    // An unknown header name in the mapping is said, not guessed.
    const unknown = await upload(importPath(boardA.id, "dryRun=1&map.title=Bestaat+niet"), bytes, { cookie: cookies.coordinatorA, type: XLSX });
    expect(unknown.body.unknownColumns).toEqual(["title"]);
  });

  it("refuses: other types 415, larger than 5 MB 413, viewers 403, another alliance's board 404, a foreign origin 403, unreadable files 422, an archived board 409", async () => {
    const { boardA, boardB, cookies } = s.seed;
    const csv = "Titel;Categorie\r\nEen goede titel;Taal\r\n";
    const count = async () => readBoard(await storedDocOf(s.h, boardA.id)).cards.length;
    const before = await count();
    expect((await upload(importPath(boardA.id), csv, { cookie: cookies.memberA1, type: "text/plain" })).status).toBe(415);
    expect((await upload(importPath(boardA.id), csv, { cookie: cookies.memberA1, type: "multipart/form-data; boundary=x" })).status).toBe(415);
    const big = await upload(importPath(boardA.id), Buffer.alloc(5 * 1024 * 1024 + 1, "a;b\n"), { cookie: cookies.memberA1 });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe("payload_too_large");
    const viewer = await upload(importPath(boardA.id, "dryRun=1"), csv, { cookie: cookies.viewerA });
    expect(viewer.status).toBe(403);
    const other = await upload(importPath(boardB.id, "dryRun=1"), csv, { cookie: cookies.memberA1 });
    expect(other.status).toBe(404);
    const unknownBoard = await upload(importPath("bestaat-niet", "dryRun=1"), csv, { cookie: cookies.memberA1 });
    expect(unknownBoard.status).toBe(404);
    expect(other.body).toEqual(unknownBoard.body);
    const foreign = await upload(importPath(boardA.id), csv, { cookie: cookies.memberA1, origin: "https://evil.example" });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error).toBe("forbidden_origin");
    const noOrigin = await upload(importPath(boardA.id), csv, { cookie: cookies.memberA1, origin: null });
    expect(noOrigin.status).toBe(403);
    expect((await upload(importPath(boardA.id), csv)).status).toBe(401);
    const notXlsx = await upload(importPath(boardA.id, "dryRun=1"), csv, { cookie: cookies.memberA1, type: XLSX });
    expect(notXlsx.status).toBe(422);
    expect(notXlsx.body.error).toBe("unreadable");
    const xls = Buffer.concat([Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), Buffer.alloc(512)]);
    const oldExcel = await upload(importPath(boardA.id, "dryRun=1"), xls, { cookie: cookies.memberA1 });
    expect([oldExcel.status, oldExcel.body.error]).toEqual([422, "unreadable"]);
    const empty = await upload(importPath(boardA.id, "dryRun=1"), "\r\n\r\n", { cookie: cookies.memberA1 });
    expect(empty.status).toBe(422);
    expect(empty.body.error).toBe("empty");
    expect(await count()).toBe(before);

    // An archived board is read-only: the import is refused (409), its CSV export still works.
    const archived = await makeBoard(s.h, { allianceId: s.seed.allianceA.id, name: "Oud bord" });
    expect((await s.api(`/api/boards/${archived.id}`, { cookie: cookies.coordinatorA, method: "PATCH", body: { archived: true } })).status).toBe(200);
    const refused = await upload(importPath(archived.id), csv, { cookie: cookies.coordinatorA });
    expect(refused.status).toBe(409);
    expect(refused.body.error).toBe("board_archived");
    expect(readBoard(await storedDocOf(s.h, archived.id)).cards).toHaveLength(0);
    expect((await s.api(`/api/boards/${archived.id}/export.csv`, { cookie: cookies.memberA1 })).status).toBe(200);
  });
});

describe("XLSX zip bombs", () => {
  it("refuses an XLSX whose files unpack to more than 64 MB, also when its zip declares small sizes (checked before exceljs unpacks)", async () => {
    const { boardA, cookies } = s.seed;
    const wb = new ExcelJS.Workbook();
    wb.addWorksheet("Lijst").addRows([["Titel", "Categorie"], ["Een goede titel", "Taal"]]);
    const good = Buffer.from(await wb.xlsx.writeBuffer());
    // The honest workbook is read.
    expect((await upload(importPath(boardA.id, "dryRun=1"), good, { cookie: cookies.memberA1, type: XLSX })).status).toBe(200);

    // The same workbook with one more file of 100 MB of zeros (about 100 kB packed).
    const zeros = Buffer.alloc(100 * 1024 * 1024);
    const honest = zipWith(good, { name: "xl/media/image1.png", data: zeros });
    const declared = await upload(importPath(boardA.id, "dryRun=1"), honest, { cookie: cookies.memberA1, type: XLSX });
    expect([declared.status, declared.body.error]).toEqual([422, "too_large_unpacked"]);

    // Its headers say the file is 100 bytes: the real size is what counts. (Trusting the headers, exceljs's
    // JSZip inflated all of it into memory and only then refused it as unreadable: a 2 MB file took 15 s and 2.3 GB.)
    const lying = zipWith(good, { name: "xl/media/image1.png", data: zeros, declaredSize: 100 });
    expect(lying.length).toBeLessThan(200 * 1024);
    const answer = await upload(importPath(boardA.id, "dryRun=1"), lying, { cookie: cookies.memberA1, type: XLSX });
    expect([answer.status, answer.body.error]).toEqual([422, "too_large_unpacked"]);
  });
});

interface ZipFile {
  name: string;
  data: Buffer;
  /** The uncompressed size written in the headers (the real one unless given). */
  declaredSize?: number;
}

/** The files of a zip (its central directory, deflated or stored). */
function unzip(zip: Buffer): ZipFile[] {
  const eocd = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const files: ZipFile[] = [];
  let p = zip.readUInt32LE(eocd + 16);
  for (let n = zip.readUInt16LE(eocd + 10); n > 0; n--) {
    const method = zip.readUInt16LE(p + 10);
    const size = zip.readUInt32LE(p + 20);
    const nameLength = zip.readUInt16LE(p + 28);
    const name = zip.subarray(p + 46, p + 46 + nameLength).toString();
    const local = zip.readUInt32LE(p + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(start, start + size);
    files.push({ name, data: method === 8 ? inflateRawSync(raw) : Buffer.from(raw) });
    p += 46 + nameLength + zip.readUInt16LE(p + 30) + zip.readUInt16LE(p + 32);
  }
  return files;
}

/** A zip of the given one's files plus `extra`, written by hand so the headers can state any size. */
function zipWith(base: Buffer, extra: ZipFile): Buffer {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const f of [...unzip(base), extra]) {
    const packed = deflateRawSync(f.data);
    const name = Buffer.from(f.name);
    const head = (size: number, sig: number, central: boolean) => {
      const h = Buffer.alloc(central ? 46 : 30);
      h.writeUInt32LE(sig, 0);
      const o = central ? 2 : 0; // central headers carry "version made by" first
      h.writeUInt16LE(20, 4 + o);
      h.writeUInt16LE(8, 8 + o);
      h.writeUInt32LE(crc32(f.data), 14 + o);
      h.writeUInt32LE(packed.length, 18 + o);
      h.writeUInt32LE(size, 22 + o);
      h.writeUInt16LE(name.length, 26 + o);
      if (central) h.writeUInt32LE(offset, 42);
      return h;
    };
    const size = f.declaredSize ?? f.data.length;
    central.push(head(size, 0x02014b50, true), name);
    parts.push(head(size, 0x04034b50, false), name, packed);
    offset += 30 + name.length + packed.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(central.length / 2, 8);
  end.writeUInt16LE(central.length / 2, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, dir, end]);
}

describe("export", () => {
  it("gives a coordinator the alliance as one JSON file: no secrets, nothing of the other alliance, references only of their own organisation", async () => {
    const { boardA, boardB, cookies, orgA1, orgA2 } = s.seed;
    const res = await fetch(`${s.url}/api/alliance/export`, { headers: { cookie: cookies.coordinatorA } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="alliantie-noord-\d{4}-\d{2}-\d{2}\.json"/);
    const text = await res.text();
    const data = JSON.parse(text);
    expect(data).toMatchObject({ format: "alliantiebord-export", version: 1, alliance: { name: "Alliantie Noord" } });
    expect(data.organisations.map((o: any) => o.id).sort()).toEqual([orgA1.id, orgA2.id].sort());
    expect(data.people.map((p: any) => p.email).sort()).toEqual(["anna@noord.test", "bram@noord.test", "coordinator@noord.test", "kijker@noord.test"]);
    // Every board of the alliance, the archived one of the test before included (with when it was archived).
    expect(data.boards.map((b: any) => [b.name, b.archivedAt === null])).toEqual([
      ["Hulpvragen Noord", true],
      ["Oud bord", false],
    ]);
    const board = data.boards[0];
    expect(board.columns.map((c: any) => c.id)).toEqual(["nieuw", "open", "opgepakt", "in-uitvoering", "afgerond"]);
    expect(board.categories.map((c: any) => c.id)).toEqual(["wonen", "taal", "werk", "maatje"]);
    expect(board.cards.length).toBe(data.requests.filter((r: any) => r.boardId === boardA.id).length);
    // Nothing secret, nothing of alliance B.
    for (const secret of ["passwordHash", "password_hash", "scrypt", "matchSecret", "match_secret", "referenceKey", "tokenHash"]) expect(text).not.toContain(secret);
    expect(text).not.toContain(boardB.id);
    expect(text).not.toContain("Alliantie Zuid");
    expect(text).not.toContain("carla@zuid.test");
    // References: those of the coordinator's organisation (A1), never A2's.
    const byRef = (ref: string) => data.requests.find((r: any) => r.reference === ref);
    expect(byRef("IMP-0003")).toMatchObject({ createdByOrgId: orgA1.id, referenceHidden: false });
    expect(byRef("IMP-0003").audit.map((a: any) => a.type)).toEqual(["created"]);
    expect(text).not.toContain("BESTAAND-1");
    const hidden = data.requests.filter((r: any) => r.referenceHidden);
    expect(hidden.length).toBeGreaterThan(0);
    expect(hidden.every((r: any) => r.createdByOrgId === orgA2.id && r.reference === null)).toBe(true);

    for (const who of ["memberA1", "viewerA"] as const) {
      const refused = await s.api("/api/alliance/export", { cookie: cookies[who] });
      expect(refused.status).toBe(403);
    }
    expect((await s.api("/api/alliance/export")).status).toBe(401);
  });

  it("carries the boards' meetings (agenda, decisions, actions, attendees) and the list of stored moments without their documents; another alliance's meeting is absent", async () => {
    const { boardA, boardB, cookies, orgA1, orgA2, orgB, coordinatorA, memberA2 } = s.seed;
    const { makeUser } = await import("../factories");
    const coordinatorB = await makeUser(s.h, { organisationId: orgB.id, email: "coordinator@zuid.test", name: "Zeno", role: "coordinator" });
    const cookieB = await s.cookieFor(coordinatorB.id);
    const theirs = await s.api(`/api/boards/${boardB.id}/meetings`, { cookie: cookieB, body: { title: "Zuidelijk overleg", at: "2027-01-05T18:00:00Z" } });
    expect(theirs.status, JSON.stringify(theirs.body)).toBe(201);
    const theirDecision = { text: "Zuid besluit iets eigens" };
    expect((await s.api(`/api/meetings/${theirs.body.id}/start`, { cookie: cookieB, method: "POST" })).status).toBe(200);
    expect((await s.api(`/api/meetings/${theirs.body.id}/decisions`, { cookie: cookieB, body: theirDecision })).status).toBe(201);

    const cookie = cookies.coordinatorA;
    const planned = await s.api(`/api/boards/${boardA.id}/meetings`, { cookie, body: { title: "Overleg januari", at: "2027-01-12T18:00:00Z" } });
    expect(planned.status, JSON.stringify(planned.body)).toBe(201);
    const id = planned.body.id as string;
    expect((await s.api(`/api/meetings/${id}/start`, { cookie, method: "POST" })).status).toBe(200);
    const decision = await s.api(`/api/meetings/${id}/decisions`, { cookie, body: { text: "Taalhuis neemt de taalvragen.", requestId: boardA.cardIds[1] } });
    expect(decision.status).toBe(201);
    const action = await s.api(`/api/meetings/${id}/actions`, { cookie, body: { text: "Bel het gezin", orgId: orgA2.id, due: "2027-01-20", requestId: boardA.cardIds[0] } });
    expect(action.status, JSON.stringify(action.body)).toBe(201);
    const present = await s.api(`/api/meetings/${id}/attendees`, {
      cookie,
      method: "PUT",
      body: [{ userId: coordinatorA.id }, { name: "Gemeente (Els)", orgId: null }, { userId: memberA2.id }],
    });
    expect(present.status, JSON.stringify(present.body)).toBe(200);
    expect((await s.api(`/api/meetings/${id}/end`, { cookie, method: "POST" })).status).toBe(200);
    const done = await s.api(`/api/actions/${action.body.id}`, { cookie: cookies.memberA2, method: "PATCH", body: { done: true } });
    expect(done.status).toBe(200);

    const res = await fetch(`${s.url}/api/alliance/export`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const data = JSON.parse(text);
    expect(data.meetings.map((m: any) => m.id)).toEqual([id]);
    const [m] = data.meetings;
    expect(m).toMatchObject({ boardId: boardA.id, title: "Overleg januari", scheduledAt: Date.UTC(2027, 0, 12, 18), status: "ended", facilitatorUserId: coordinatorA.id });
    expect(m.startedAt).toEqual(expect.any(Number));
    expect(m.endedAt).toBeGreaterThanOrEqual(m.startedAt);
    // The agenda proposed from the board, in its order, each item a saved view.
    expect(m.agenda.length).toBeGreaterThan(0);
    expect(m.agenda.every((i: any) => typeof i.title === "string" && typeof i.view.query === "string" && !("meetingId" in i))).toBe(true);
    expect(m.agenda.map((i: any) => i.order)).toEqual(m.agenda.map((i: any) => i.order).sort());
    expect(m.decisions).toEqual([expect.objectContaining({ id: decision.body.id, text: "Taalhuis neemt de taalvragen.", requestId: boardA.cardIds[1], createdByUserId: coordinatorA.id })]);
    expect(m.actions).toEqual([
      expect.objectContaining({ id: action.body.id, text: "Bel het gezin", orgId: orgA2.id, due: "2027-01-20", requestId: boardA.cardIds[0], doneAt: done.body.doneAt, doneByUserId: memberA2.id }),
    ]);
    expect(m.attendees.map((a: any) => [a.name, a.userId, a.orgId])).toEqual([
      ["Cora", coordinatorA.id, orgA1.id],
      ["Gemeente (Els)", null, null],
      ["Bram", memberA2.id, orgA2.id],
    ]);
    expect(m.attendees[1].source).toBe("manual");
    // The card the action is on is in the export (its reference by the usual rule).
    expect(data.requests.some((r: any) => r.id === boardA.cardIds[0])).toBe(true);

    // The stored moments: the meeting's start and end, as a list; no documents.
    const moments = data.moments.filter((x: any) => x.meetingId === id);
    expect(moments.map((x: any) => [x.id, x.reason, x.boardId])).toEqual([
      [m.startMomentId, "meeting_start", boardA.id],
      [m.endMomentId, "meeting_end", boardA.id],
    ]);
    expect(moments.map((x: any) => x.at)).toEqual([m.startedAt, m.endedAt]);
    const boardIds = new Set(data.boards.map((b: any) => b.id));
    expect(data.moments.every((x: any) => boardIds.has(x.boardId))).toBe(true);
    expect(data.moments.every((x: any) => !("data" in x))).toBe(true);

    // Nothing of alliance B's meeting.
    expect(text).not.toContain(theirs.body.id);
    expect(text).not.toContain("Zuidelijk overleg");
    expect(text).not.toContain(theirDecision.text);
    expect(text).not.toContain(boardB.id);
  });

  it("gives a board as CSV for Excel (BOM, ';', formulas made text) that the import reads back", async () => {
    const { boardA, boardB, cookies, allianceA } = s.seed;
    const tricky = await s.api(`/api/boards/${boardA.id}/requests`, {
      cookie: cookies.memberA1,
      body: { title: "=SUM(1+1) hulp", category: "taal", reference: "RT-1", description: '+31 6 bellen; "snel"\nregel twee', area: "@home" },
    });
    expect(tricky.status).toBe(201);
    const res = await fetch(`${s.url}/api/boards/${boardA.id}/export.csv`, { headers: { cookie: cookies.memberA1 } });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(/^attachment; filename="hulpvragen-noord-\d{4}-\d{2}-\d{2}\.csv"/);
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const csv = new TextDecoder().decode(bytes);
    const lines = csv.split("\r\n");
    expect(lines[0]).toBe("Titel;Categorie;Omschrijving;Wijk;Urgentie;Referentie;Kolom;Organisatie;Houder;Aangemaakt;Gearchiveerd;Id");
    // Formula injection: every cell that starts with = + - @ begins with ' instead.
    expect(csv).toContain(`'=SUM(1+1) hulp;Taal;"'+31 6 bellen; ""snel""\nregel twee";'@home;normaal;RT-1;Nieuw;VWN;;`);
    // References: memberA1 sees their organisation's, not the other's.
    expect(csv).toContain("IMP-0003");
    expect(csv).not.toContain("BESTAAND-1");
    // The viewer may export what they may see (no references of theirs: the viewer is in A1, so A1's).
    const viewer = await fetch(`${s.url}/api/boards/${boardA.id}/export?format=csv`, { headers: { cookie: cookies.viewerA } });
    expect(viewer.status).toBe(200);
    expect(new TextDecoder().decode(await viewer.arrayBuffer())).toBe(csv);
    expect((await s.api(`/api/boards/${boardB.id}/export.csv`, { cookie: cookies.memberA1 })).status).toBe(404);
    expect((await s.api(`/api/boards/${boardA.id}/export.csv`, { cookie: cookies.memberB })).status).toBe(404);

    // Round trip: the CSV imported into a fresh board of the alliance gives the same requests.
    const fresh = await makeBoard(s.h, { allianceId: allianceA.id, name: "Terug ingelezen" });
    const exported = readBoard(await storedDocOf(s.h, boardA.id)).cards.filter((c) => !c.archived);
    const back = await upload(importPath(fresh.id), bytes, { cookie: cookies.memberA1 });
    expect(back.status).toBe(201);
    expect(back.body.errors).toEqual([]);
    expect(back.body.created).toBe(exported.length);
    const shape = (c: { title: string; category: string; description: string; area: string; urgency: string; column: string }) =>
      JSON.stringify([c.title, c.category, c.description, c.area, c.urgency, c.column]);
    const again = readBoard(await storedDocOf(s.h, fresh.id)).cards;
    expect(again.map(shape).sort()).toEqual(exported.map(shape).sort());
    const roundTripped = again.find((c) => c.title === "=SUM(1+1) hulp")!;
    expect(roundTripped).toMatchObject({ description: '+31 6 bellen; "snel"\nregel twee', area: "@home" });
    const detail = await s.api(`/api/boards/${fresh.id}/requests/${roundTripped.id}`, { cookie: cookies.memberA1 });
    expect(detail.body.reference).toBe("RT-1");
  });
});


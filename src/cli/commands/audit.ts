// `acr-cmk audit verify`: recompute the audit log's hash chain; exit 0 intact, 1 broken (and where).
import { openRunRecords } from "../../runs/run-records.js";
import { printJson } from "../context.js";
import { EXIT } from "../errors.js";
import type { CommandRunner } from "../program.js";

export const verifyAuditCommand: CommandRunner = async (ctx) => {
  const records = openRunRecords(ctx.globals.home, ctx.env.ACR_CMK_STORE);
  let result: Awaited<ReturnType<typeof records.verifyAudit>>;
  try {
    result = await records.verifyAudit();
  } finally {
    records.close();
  }
  if (ctx.globals.output === "json") printJson(ctx, result);
  else if (result.ok) ctx.stdout.write(`Audit log intact: ${result.entries} entries, hash chain verified.\n`);
  else {
    ctx.stdout.write(
      `Audit log BROKEN at entry #${result.brokenAt} of ${result.entries}: its content or its link to the previous entry ` +
        `was changed after it was written. Entries before #${result.brokenAt} are intact.\n`,
    );
  }
  return result.ok ? EXIT.ok : EXIT.problems;
};

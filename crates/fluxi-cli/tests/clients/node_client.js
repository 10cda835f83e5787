// Drives a running `fluxi serve` with the real Node @influxdata/influxdb-client.
// Environment: FLUXI_URL, FLUXI_TOKEN, FLUXI_ORG, FLUXI_BUCKET, FLUXI_SCOPED_TOKEN (read
// and write on FLUXI_BUCKET only), FLUXI_OTHER_BUCKET. Prints `node client: N checks
// passed` and exits 0, or exits 1.
const {InfluxDB, Point, HttpError} = require('@influxdata/influxdb-client')

const url = process.env.FLUXI_URL
const token = process.env.FLUXI_TOKEN
const org = process.env.FLUXI_ORG
const bucket = process.env.FLUXI_BUCKET
let checks = 0
function check(cond, what) {
  if (!cond) throw new Error('check failed: ' + what)
  checks++
}

const T0 = Date.UTC(2024, 0, 1) // ms

async function main() {
  const db = new InfluxDB({url, token, timeout: 30000})
  // Over 1000 bytes: the client gzips the body and sends it chunked.
  const write = db.getWriteApi(org, bucket, 'ms', {batchSize: 5000})
  for (let i = 0; i < 200; i++) {
    write.writePoint(new Point('node').tag('host', i % 2 ? 'x' : 'y').floatField('v', i).timestamp(new Date(T0 + i)))
  }
  await write.close()

  const query = `from(bucket: "${bucket}")
    |> range(start: 2024-01-01T00:00:00Z, stop: 2024-01-01T01:00:00Z)
    |> filter(fn: (r) => r._measurement == "node")
    |> sum()
    |> yield(name: "sums")`
  const rows = await db.getQueryApi(org).collectRows(query)
  check(rows.length === 2, 'two rows, got ' + rows.length)
  const sums = Object.fromEntries(rows.map((r) => [r.host, r._value]))
  // x: odd i (1..199) sum 10000; y: even i (0..198) sum 9900
  check(sums.x === 10000 && sums.y === 9900, 'sums ' + JSON.stringify(sums))
  check(rows[0].result === 'sums', 'result name')

  const raw = await db.getQueryApi(org).queryRaw(query)
  check(raw.startsWith('#datatype,string,long,'), 'raw starts with annotations')
  check(raw.endsWith('\r\n\r\n'), 'raw ends with a blank line')

  const scoped = new InfluxDB({url, token: process.env.FLUXI_SCOPED_TOKEN})
  const own = await scoped.getQueryApi(org).collectRows(query)
  check(own.length === 2, 'the scoped token reads its bucket')
  try {
    await scoped.getQueryApi(org).collectRows(`from(bucket: "${process.env.FLUXI_OTHER_BUCKET}") |> range(start: -1h)`)
    check(false, 'reading another bucket failed')
  } catch (e) {
    check(e instanceof HttpError && (e.statusCode === 404 || e.statusCode === 403), 'refused: ' + e)
  }
  const denied = scoped.getWriteApi(org, process.env.FLUXI_OTHER_BUCKET, 'ns', {maxRetries: 0})
  denied.writeRecord('m v=1')
  try {
    await denied.close()
    check(false, 'writing another bucket failed')
  } catch (e) {
    check(e instanceof HttpError && e.statusCode === 403, 'write refused: ' + e)
  }
  console.log(`node client: ${checks} checks passed`)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})

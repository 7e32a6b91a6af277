// A small authoritative DNS server for Meridian's tests: it answers TXT queries (the domain
// proofs organizations publish at _meridian-challenge.<domain>) from records the tests set
// over HTTP, and NXDOMAIN for everything else. Meridian is pointed at it with
// MERIDIAN_DNS_SERVER, so domain verification runs against a real DNS exchange over UDP
// without the internet.
//
//   node dns/server.mjs                  # ports from DNS_PORT / DNS_HTTP_PORT, or any free ones
//
// On start it prints one line, `dns: udp <port> http <port>`, for the process that started it.
// HTTP control (loopback only):
//   PUT    /txt/<name>   body: the TXT value (replaces the name's values)
//   DELETE /txt/<name>   forgets the name
//   GET    /healthz      ok
import dgram from 'node:dgram';
import http from 'node:http';

const host = '127.0.0.1';
const records = new Map(); // lower-case name without trailing dot -> [string]

/** The question of a DNS query: its name (lower case, no trailing dot), type and where it ends. */
function readQuestion(message) {
  let offset = 12;
  const labels = [];
  while (offset < message.length) {
    const length = message[offset];
    if (length === 0) {
      offset += 1;
      break;
    }
    // Queries carry no compression pointers in the question; refuse anything odd.
    if (length > 63 || offset + 1 + length > message.length) return null;
    labels.push(message.subarray(offset + 1, offset + 1 + length).toString('latin1'));
    offset += 1 + length;
  }
  if (offset + 4 > message.length) return null;
  const type = message.readUInt16BE(offset);
  return { name: labels.join('.').toLowerCase(), type, end: offset + 4 };
}

/** A TXT record's data: the value cut into character-strings of at most 255 bytes. */
function txtData(value) {
  const bytes = Buffer.from(value, 'utf8');
  const parts = [];
  for (let i = 0; i < bytes.length || i === 0; i += 255) {
    const chunk = bytes.subarray(i, i + 255);
    parts.push(Buffer.from([chunk.length]), chunk);
    if (bytes.length === 0) break;
  }
  return Buffer.concat(parts);
}

function answer(query) {
  const question = readQuestion(query);
  if (!question) return null;
  const TXT = 16;
  const values = records.get(question.name) ?? [];
  const found = question.type === TXT ? values : [];
  const header = Buffer.alloc(12);
  query.copy(header, 0, 0, 2); // id
  // QR, opcode 0, AA; RD copied; RA 0; RCODE NXDOMAIN (3) when the name is unknown.
  const rd = query[2] & 0x01;
  header[2] = 0x84 | rd;
  header[3] = values.length === 0 ? 3 : 0;
  header.writeUInt16BE(1, 4); // one question
  header.writeUInt16BE(found.length, 6);
  const answers = found.map((value) => {
    const data = txtData(value);
    const fixed = Buffer.alloc(12);
    fixed.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    fixed.writeUInt16BE(TXT, 2);
    fixed.writeUInt16BE(1, 4); // IN
    fixed.writeUInt32BE(0, 6); // TTL 0: tests change records at will
    fixed.writeUInt16BE(data.length, 10);
    return Buffer.concat([fixed, data]);
  });
  return Buffer.concat([header, query.subarray(12, question.end), ...answers]);
}

const udp = dgram.createSocket('udp4');
udp.on('message', (message, peer) => {
  const reply = answer(message);
  if (reply) udp.send(reply, peer.port, peer.address);
});

const control = http.createServer((req, res) => {
  const url = new URL(req.url, `http://${host}`);
  if (url.pathname === '/healthz') {
    res.end('ok');
    return;
  }
  const match = url.pathname.match(/^\/txt\/(.+)$/);
  if (!match) {
    res.statusCode = 404;
    res.end();
    return;
  }
  const name = decodeURIComponent(match[1]).replace(/\.$/, '').toLowerCase();
  if (req.method === 'DELETE') {
    records.delete(name);
    res.statusCode = 204;
    res.end();
    return;
  }
  if (req.method !== 'PUT') {
    res.statusCode = 405;
    res.end();
    return;
  }
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk) => {
    body += chunk;
  });
  req.on('end', () => {
    records.set(name, [body]);
    res.statusCode = 204;
    res.end();
  });
});

const udpPort = Number(process.env.DNS_PORT || 0);
const httpPort = Number(process.env.DNS_HTTP_PORT || 0);
udp.bind(udpPort, host, () => {
  control.listen(httpPort, host, () => {
    console.log(`dns: udp ${udp.address().port} http ${control.address().port}`);
  });
});

const stop = () => {
  udp.close();
  control.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

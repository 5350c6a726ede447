// Node.js everyday modules: fs and path on the function's own data and in TMPDIR, os figures
// (cpus, totalmem, loadavg: /proc and /sys), crypto hashes, ciphers and signatures, zlib,
// Buffer and URL, Intl with time zones (ICU data), and the memory limit of its own cgroup (process.constrainedMemory() reads
// memory.max). No os.networkInterfaces(): it asks the kernel about the host's network.
'use strict';
const assert = require('assert');
const crypto = require('crypto');
const fs = require('fs');
const os = require('os');
const path = require('path');
const zlib = require('zlib');

const csv = fs.readFileSync(path.join(__dirname, 'orders.csv'), 'utf8').trim().split('\n');
const [head, ...rows] = csv.map((line) => line.split(','));
const orders = rows.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
const revenue = {};
for (const o of orders)
	revenue[o.region] = (revenue[o.region] || 0) + o.quantity * o.unit_price;
console.log('orders:', orders.length, 'revenue:', JSON.stringify(Object.fromEntries(
	Object.entries(revenue).sort().map(([k, v]) => [k, v.toFixed(2)]))));

const tmp = os.tmpdir();
console.log('tmpdir is TMPDIR:', tmp === process.env.TMPDIR, 'home is HOME:', os.homedir() === process.env.HOME);
const work = fs.mkdtempSync(path.join(tmp, 'work-'));
fs.mkdirSync(path.join(work, 'a/b/c'), { recursive: true });
fs.writeFileSync(path.join(work, 'a/b/c/report.json'), JSON.stringify({ revenue }, null, 2));
fs.appendFileSync(path.join(work, 'a/log.txt'), 'one\n');
fs.appendFileSync(path.join(work, 'a/log.txt'), 'two\n');
fs.renameSync(path.join(work, 'a/log.txt'), path.join(work, 'a/log.old'));
fs.symlinkSync('b/c/report.json', path.join(work, 'a/latest.json'));
fs.copyFileSync(path.join(work, 'a/log.old'), path.join(work, 'a/copy.txt'));
const st = fs.statSync(path.join(work, 'a/log.old'));
console.log('log size:', st.size, 'is file:', st.isFile());
console.log('symlink read:', Object.keys(JSON.parse(fs.readFileSync(path.join(work, 'a/latest.json')))));
console.log('listing:', fs.readdirSync(path.join(work, 'a')).sort().join(' '));
fs.rmSync(work, { recursive: true });
console.log('removed:', !fs.existsSync(work));
console.log('path:', path.join('/srv', '../etc', 'x.conf'), path.extname('a/b.tar.gz'),
	path.relative('/a/b/c', '/a/d'), path.parse('/x/y.txt').name);

const cpus = os.cpus();
console.log('cpus:', cpus.length >= 1, 'models named:', cpus.every((c) => typeof c.model === 'string'),
	'parallelism matches:', os.availableParallelism() === cpus.length);
console.log('totalmem > freemem > 0:', os.totalmem() > os.freemem() && os.freemem() > 0);
console.log('loadavg:', os.loadavg().length, os.loadavg().every((x) => x >= 0));
console.log('uptime positive:', os.uptime() > 0, 'platform:', os.platform(), os.type(), os.endianness());
console.log('user:', os.userInfo().username, 'release named:', os.release().length > 0);
const limit = process.constrainedMemory();
console.log('constrainedMemory:', typeof limit, limit >= 0);
console.log('memoryUsage rss > 0:', process.memoryUsage().rss > 0,
	'resourceUsage:', typeof process.resourceUsage().maxRSS);

console.log('sha256:', crypto.createHash('sha256').update('bpfence').digest('hex').slice(0, 16));
console.log('md5:', crypto.createHash('md5').update(csv.join('\n')).digest('hex'));
console.log('sha512/base64:', crypto.createHash('sha512').update('x').digest('base64').slice(0, 12));
console.log('hmac:', crypto.createHmac('sha256', 'key').update('msg').digest('hex').slice(0, 16));
console.log('pbkdf2:', crypto.pbkdf2Sync('pw', 'salt', 1000, 16, 'sha256').toString('hex'));
console.log('scrypt:', crypto.scryptSync('pw', 'salt', 16).toString('hex'));
console.log('random:', crypto.randomBytes(32).length, /^[0-9a-f-]{36}$/.test(crypto.randomUUID()));
const key = crypto.randomBytes(32), iv = crypto.randomBytes(12);
const enc = crypto.createCipheriv('aes-256-gcm', key, iv);
const sealed = Buffer.concat([enc.update('secret order'), enc.final()]);
const dec = crypto.createDecipheriv('aes-256-gcm', key, iv).setAuthTag(enc.getAuthTag());
console.log('aes-gcm round trip:', Buffer.concat([dec.update(sealed), dec.final()]).toString());
const { publicKey, privateKey } = crypto.generateKeyPairSync('ed25519');
const sig = crypto.sign(null, Buffer.from('invoice'), privateKey);
console.log('ed25519 verify:', crypto.verify(null, Buffer.from('invoice'), publicKey, sig));
console.log('hashes offered:', ['sha1', 'sha256', 'sha3-256'].every((h) => crypto.getHashes().includes(h)));

const text = Buffer.from(csv.join('\n').repeat(20));
const gz = zlib.gzipSync(text);
assert.ok(zlib.gunzipSync(gz).equals(text));
console.log('gzip smaller:', gz.length < text.length, 'deflate/inflate:',
	zlib.inflateSync(zlib.deflateSync(text)).equals(text),
	'brotli:', zlib.brotliDecompressSync(zlib.brotliCompressSync(text)).equals(text),
	'raw deflate:', zlib.inflateRawSync(zlib.deflateRawSync('abc')).toString());

const url = new URL('https://api.example.com:8443/v1/orders?region=eu&limit=5#top');
console.log('url:', url.hostname, url.port, url.searchParams.get('region'), url.hash);
console.log('buffer:', Buffer.from('bpfence').toString('base64'), Buffer.from('ff00', 'hex').readUInt16BE(0));
console.log('encoder:', new TextDecoder().decode(new TextEncoder().encode('héllo')).length);
console.log('structuredClone:', JSON.stringify(structuredClone({ a: [1, { b: 2 }] })));

const instant = new Date(Date.UTC(2024, 6, 1, 12, 0, 0));
for (const timeZone of ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'])
	console.log('time in', timeZone + ':', new Intl.DateTimeFormat('en-GB', {
		timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(instant));
console.log('local zone named:', typeof Intl.DateTimeFormat().resolvedOptions().timeZone);
console.log('getTimezoneOffset is a number:', Number.isInteger(new Date(0).getTimezoneOffset()));
console.log('numbers:', new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' }).format(1234.5),
	new Intl.NumberFormat('en-US', { notation: 'compact' }).format(1234567));
console.log('plural:', new Intl.PluralRules('en-US').select(1), new Intl.PluralRules('en-US').select(2));
console.log('collator sorts:', ['b', 'a', 'C'].sort(new Intl.Collator('en').compare).join(''));
console.log('relative:', new Intl.RelativeTimeFormat('en', { numeric: 'auto' }).format(-1, 'day'));
console.log('list:', new Intl.ListFormat('en', { type: 'conjunction' }).format(['eu', 'us', 'apac']));
console.log('toLocaleString:', (1234567.891).toLocaleString('en-US'), instant.toISOString());

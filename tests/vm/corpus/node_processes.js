// Node.js starting programs and threads: child_process (execFileSync of sort and echo, spawnSync
// of sh, exec through the shell, spawn with pipes, fork of node itself with an IPC channel) and
// worker_threads (messages, SharedArrayBuffer and Atomics, a MessageChannel).
'use strict';
const { execFileSync, execSync, spawn, spawnSync, fork } = require('child_process');
const { Worker, MessageChannel, isMainThread, parentPort, workerData } = require('worker_threads');

if (process.argv[2] === 'child') {
	process.on('message', (m) => {
		process.send({ doubled: m.n * 2, pidDiffers: process.pid !== m.parent });
		process.disconnect();
	});
	return;
}

async function main() {
	console.log('sort:', JSON.stringify(execFileSync('sort', ['-r'], { input: 'b\nc\na\n' }).toString()));
	console.log('echo:', execFileSync('/bin/echo', ['hello', 'from', 'echo']).toString().trim());
	const r = spawnSync('/bin/sh', ['-c', 'echo out; echo err >&2; exit 3']);
	console.log('spawnSync:', r.status, r.stdout.toString().trim(), r.stderr.toString().trim());
	console.log('execSync through the shell:', execSync('echo $((6 * 7))').toString().trim());
	try {
		execFileSync('false');
	} catch (e) {
		console.log('false exits:', e.status);
	}
	try {
		execFileSync('/nonexistent/program');
	} catch (e) {
		console.log('missing program:', e.code);
	}

	const chunks = [];
	const child = spawn('tr', ['a-z', 'A-Z']);
	child.stdout.on('data', (d) => chunks.push(d));
	child.stdin.end('piped through tr\n');
	const code = await new Promise((res) => child.on('close', res));
	console.log('spawn:', Buffer.concat(chunks).toString().trim(), code);

	// Every listener is in place before the event can happen: a promise that never settles
	// would let node exit 0 with the rest of this function silently skipped.
	const kid = fork(__filename, ['child'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	const kidExit = new Promise((res) => kid.on('exit', res));
	const reply = await new Promise((res) => {
		kid.on('message', res);
		kid.send({ n: 21, parent: process.pid });
	});
	await kidExit;
	console.log('fork reply:', JSON.stringify(reply));

	const shared = new Int32Array(new SharedArrayBuffer(2 * 4));
	const workers = [0, 1].map((i) => new Worker(`
		const { parentPort, workerData } = require('worker_threads');
		let s = 0;
		for (let k = 1; k <= workerData.n; k++) s += k;
		Atomics.add(workerData.shared, workerData.i, s);
		parentPort.postMessage({ i: workerData.i, s });
	`, { eval: true, workerData: { i, n: (i + 1) * 1000, shared } }));
	const exits = workers.map((w) => new Promise((res) => w.on('exit', res)));
	const results = await Promise.all(workers.map((w) => new Promise((res, rej) => {
		w.on('message', res);
		w.on('error', rej);
		w.on('exit', (code) => rej(new Error(`worker exited with ${code} before its message`)));
	})));
	await Promise.all(exits);
	console.log('workers:', results.sort((a, b) => a.i - b.i).map((m) => m.s).join(' '),
		'shared:', Array.from(shared).join(' '));

	const { port1, port2 } = new MessageChannel();
	const echoed = new Promise((res) => port2.on('message', (m) => { res(m); port2.close(); }));
	port1.postMessage({ via: 'MessageChannel', list: [1, 2, 3] });
	console.log('channel:', JSON.stringify(await echoed));
	console.log('main thread:', isMainThread, parentPort === null, workerData === null);
	await new Promise((res) => setTimeout(res, 50));
	console.log('timer fired');
}

// A promise left pending would end the event loop early with status 0: fail instead.
let finished = false;
process.on('exit', (code) => {
	if (!finished && code === 0) {
		console.error('node_processes.js: the event loop ended before main() finished');
		process.exitCode = 1;
	}
});
main().then(() => { finished = true; }, (e) => {
	console.error(e);
	process.exit(1);
});

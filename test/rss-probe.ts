/**
 * Preloaded into a `lenet` child (`node --require dist/test/rss-probe.js bin/lenet.js …`): when the
 * process exits it writes its peak resident set size in kilobytes (getrusage's ru_maxrss, what
 * `/usr/bin/time -f %M` prints) into the file named by LENET_RSS_FILE.
 */
import * as fs from 'node:fs';

const file = process.env.LENET_RSS_FILE;
if (file) process.on('exit', () => fs.writeFileSync(file, String(process.resourceUsage().maxRSS)));

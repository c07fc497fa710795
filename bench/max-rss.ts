/**
 * Preloaded (`node --require`) into a process whose peak memory the bench reports: at exit it
 * writes process.resourceUsage().maxRSS (kilobytes, the kernel's ru_maxrss) to the file named by
 * LENET_MAX_RSS_FILE. Measured from inside because Node gives no rusage of a child process.
 */
import * as fs from 'node:fs';

const file = process.env.LENET_MAX_RSS_FILE;
if (file) process.on('exit', () => fs.writeFileSync(file, `${process.resourceUsage().maxRSS}\n`));

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableRam } from '../../../../server/engine/system-memory.js';
import { chooseThreads, physicalCores } from '../../../../server/engine/threads.js';

test('available RAM is MemAvailable (page cache counts as available), not MemFree', () => {
  const meminfo = 'MemTotal:       24000000 kB\nMemFree:          100000 kB\nMemAvailable:   20000000 kB\n';
  assert.equal(availableRam(meminfo), 20000000 * 1024);
  assert.ok(availableRam() > 0);
});

test('threads: physical cores from cpuinfo, one core left to the server', () => {
  const cpuinfo = ['processor: 0', 'physical id: 0', 'core id: 0', '', 'processor: 1', 'physical id: 0', 'core id: 0', '', 'processor: 2', 'physical id: 0', 'core id: 1', ''].join('\n');
  assert.ok(physicalCores(cpuinfo) <= 2); // 2 physical cores (hyper-threads collapse), capped by logical count
  assert.equal(chooseThreads(2), 1);
  assert.equal(chooseThreads(8), 7);
  assert.equal(chooseThreads(1), 1);
  assert.equal(chooseThreads(8, 3), 3, 'an explicit --threads wins');
});

package contracts

import "math/bits"

// u64Table maps non-zero uint64 keys to int32 values: an open-addressing hash table
// with linear probing, built once and then only read. The price book looks up two keys
// per price (the contract, the item); the runtime's map spent about half of a lookup in
// its call, hash and probe, this spends a multiply and a compare or two.
type u64Table struct {
	keys  []uint64 // 0 marks an empty slot
	vals  []int32
	shift uint8
}

const fibonacci = 0x9E3779B97F4A7C15 // 2^64 / golden ratio: spreads sequential keys

// newU64Table returns a table for n keys, at most half full.
func newU64Table(n int) u64Table {
	size := 8
	for size < 2*n {
		size <<= 1
	}
	return u64Table{keys: make([]uint64, size), vals: make([]int32, size), shift: uint8(64 - bits.TrailingZeros(uint(size)))}
}

// put sets k (not 0) to v. The table must have room (newU64Table sized for it).
func (t *u64Table) put(k uint64, v int32) {
	mask := uint64(len(t.keys) - 1)
	for i := (k * fibonacci) >> t.shift; ; i = (i + 1) & mask {
		if t.keys[i] == 0 || t.keys[i] == k {
			t.keys[i], t.vals[i] = k, v
			return
		}
	}
}

// get returns the value of k, or -1.
func (t *u64Table) get(k uint64) int32 {
	if len(t.keys) == 0 || k == 0 {
		return -1
	}
	mask := uint64(len(t.keys) - 1)
	for i := (k * fibonacci) >> t.shift; ; i = (i + 1) & mask {
		switch t.keys[i] {
		case k:
			return t.vals[i]
		case 0:
			return -1
		}
	}
}

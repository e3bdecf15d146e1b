package match

// vocab numbers the folded words that some pattern uses. Most words of a
// headline are in no pattern, so lookups are mostly misses, and they must
// be cheap: a word is keyed by its length and its first two and last two
// bytes, mixed by one multiplication (see wordKey), and the key's top bits
// index a bit set that turns nearly every miss into one load; the rest of
// the key hashes an open-addressing table kept at most a quarter full,
// where the word is compared. Ids are dense, from 0.
type vocab struct {
	// filter has bit key>>(64-filterBits) set for the key of every word.
	filter [1 << (filterBits - 6)]uint64
	slots  []slot   // length a power of two
	words  []string // by id
}

// filterBits sizes vocab.filter: 2^14 bits, 2 KiB, small enough to stay
// in the first-level cache, and a few hundred words set under 3 % of it.
const filterBits = 14

// slot is one entry of the table; id -1 marks an empty slot.
type slot struct {
	hash uint32
	id   int32
}

func newVocab() *vocab {
	v := &vocab{}
	v.rehash(16)
	return v
}

// mixKey makes the key of a word of n bytes from its first two bytes (b0,
// b1) and last two (p, l); a word of one byte is its own second and
// second-last byte.
func mixKey(b0, b1, p, l byte, n int) uint64 {
	k := uint64(b0) | uint64(b1)<<8 | uint64(p)<<16 | uint64(l)<<24 | uint64(n)<<32
	return k * 0x9E3779B97F4A7C15
}

// wordKey is the key of the word w, not empty, byte for byte.
func wordKey(w string) uint64 {
	n := len(w)
	return mixKey(w[0], w[min(1, n-1)], w[max(n-2, 0)], w[n-1], n)
}

// plainKey is the key of the lower-case form of w, a plain word (ASCII
// letters and digits in any case), not empty: b|0x20 is the lower case of
// an ASCII letter and leaves digits as they are.
func plainKey(w string) uint64 {
	n := len(w)
	return mixKey(w[0]|0x20, w[min(1, n-1)]|0x20, w[max(n-2, 0)]|0x20, w[n-1]|0x20, n)
}

// mayHave reports whether the vocabulary may hold a word with key k.
func (v *vocab) mayHave(k uint64) bool {
	b := k >> (64 - filterBits)
	return v.filter[b/64]&(1<<(b%64)) != 0
}

// lookup returns the id of the folded word w, or -1.
func (v *vocab) lookup(w string) int32 {
	if w == "" {
		return -1
	}
	k := wordKey(w)
	if !v.mayHave(k) {
		return -1
	}
	h := uint32(k >> 32)
	mask := uint32(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := v.slots[i]
		if s.id < 0 {
			return -1
		}
		if s.hash == h && v.words[s.id] == w {
			return s.id
		}
	}
}

// lookupPlain returns the id of the lower-case form of w, a folded plain
// word, or -1, without making that form. k is plainKey(w), which the
// caller has tested with mayHave.
func (v *vocab) lookupPlain(w string, k uint64) int32 {
	h := uint32(k >> 32)
	mask := uint32(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := v.slots[i]
		if s.id < 0 {
			return -1
		}
		if s.hash == h && equalLower(v.words[s.id], w) {
			return s.id
		}
	}
}

// equalLower reports whether the lower-case word lower is w, ASCII letters
// and digits in any case, in lower case.
func equalLower(lower, w string) bool {
	if len(lower) != len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if lower[i] != w[i]|0x20 {
			return false
		}
	}
	return true
}

// add returns the id of w, numbering it if it is new.
func (v *vocab) add(w string) int32 {
	if id := v.lookup(w); id >= 0 {
		return id
	}
	id := int32(len(v.words))
	v.words = append(v.words, w)
	b := wordKey(w) >> (64 - filterBits)
	v.filter[b/64] |= 1 << (b % 64)
	if 4*len(v.words) > len(v.slots) {
		v.rehash(2 * len(v.slots))
	} else {
		v.insert(w, id)
	}
	return id
}

// len returns the number of words.
func (v *vocab) len() int { return len(v.words) }

// rehash rebuilds the table with n slots.
func (v *vocab) rehash(n int) {
	v.slots = make([]slot, n)
	for i := range v.slots {
		v.slots[i].id = -1
	}
	for id, w := range v.words {
		v.insert(w, int32(id))
	}
}

func (v *vocab) insert(w string, id int32) {
	h := uint32(wordKey(w) >> 32)
	mask := uint32(len(v.slots) - 1)
	i := h & mask
	for v.slots[i].id >= 0 {
		i = (i + 1) & mask
	}
	v.slots[i] = slot{hash: h, id: id}
}

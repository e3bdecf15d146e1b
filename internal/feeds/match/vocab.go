package match

// vocab numbers the folded words that some pattern uses. Most words of a
// headline are in no pattern, so lookups are mostly misses: a bit set
// keyed by a word's length and first and last bytes turns most misses into
// one multiplication and one load, and an open-addressing table kept at
// most a quarter full, keyed by a 32-bit FNV-1a hash, turns the rest into
// one hash and usually one probe, without the map's string hashing. Ids
// are dense, from 0.
type vocab struct {
	filter [1 << 10]uint64 // bit filterBit(w) is set for every word w
	slots  []slot          // length a power of two
	words  []string        // by id
}

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

// hashWord is 32-bit FNV-1a.
func hashWord(w []byte) uint32 {
	h := uint32(2166136261)
	for _, b := range w {
		h ^= uint32(b)
		h *= 16777619
	}
	return h
}

// filterBit returns the bit of vocab.filter that stands for w.
func filterBit(w []byte) uint32 {
	if len(w) == 0 {
		return 0
	}
	k := uint32(w[0]) | uint32(w[len(w)-1])<<8 | uint32(len(w))<<16
	return k * 0x9E3779B1 >> 16
}

// lookup returns the id of w, or -1.
func (v *vocab) lookup(w []byte) int32 {
	if b := filterBit(w); v.filter[b/64]&(1<<(b%64)) == 0 {
		return -1
	}
	h := hashWord(w)
	mask := uint32(len(v.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		s := v.slots[i]
		if s.id < 0 {
			return -1
		}
		if s.hash == h && v.words[s.id] == string(w) {
			return s.id
		}
	}
}

// add returns the id of w, numbering it if it is new.
func (v *vocab) add(w string) int32 {
	if id := v.lookup([]byte(w)); id >= 0 {
		return id
	}
	id := int32(len(v.words))
	v.words = append(v.words, w)
	b := filterBit([]byte(w))
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
	h := hashWord([]byte(w))
	mask := uint32(len(v.slots) - 1)
	i := h & mask
	for v.slots[i].id >= 0 {
		i = (i + 1) & mask
	}
	v.slots[i] = slot{hash: h, id: id}
}

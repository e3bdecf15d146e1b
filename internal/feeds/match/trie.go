package match

import (
	"cmp"
	"slices"
	"sort"
)

// edgeTo is one edge of the trie: the word that leads to the child node.
type edgeTo struct {
	key   uint32 // see edgeKey
	child int32
}

// edgeKey is the key of an edge by the word id, with bit 31 set when the
// word is a CJK character joined to the one before (see sepJoined), so
// that "稀土" and "稀，土" are different phrases.
func edgeKey(word int32, joined bool) uint32 {
	k := uint32(word)
	if joined {
		k |= 1 << 31
	}
	return k
}

// edge is the key of compiled.next: the edge of node n by the word.
func edge(n, word int32, joined bool) uint64 {
	return uint64(n)<<32 | uint64(edgeKey(word, joined))
}

// layout turns compiled.next into compiled.root and compiled.edges: an
// array lookup from the root, whose edges are every word a phrase starts
// with, and a short scan of a few edges below it, both cheaper than a map.
func (c *compiled) layout() {
	c.root = make([]int32, c.vocab.len())
	c.edges = c.edges[:0]
	for e, child := range c.next {
		if n := int32(e >> 32); n == 0 {
			c.root[uint32(e)] = child
		} else {
			c.edges = append(c.edges, edgeTo{key: uint32(e), child: child})
			c.nodes[n].edges[1]++ // counted here, placed below
		}
	}
	// Order the edges by node, then key; node n's are those from the
	// running total of the counts of the nodes before it.
	parent := make(map[int32]int32, len(c.edges))
	for e, child := range c.next {
		parent[child] = int32(e >> 32)
	}
	sort.Slice(c.edges, func(i, j int) bool {
		a, b := &c.edges[i], &c.edges[j]
		return cmp.Or(cmp.Compare(parent[a.child], parent[b.child]), cmp.Compare(a.key, b.key)) < 0
	})
	at := int32(0)
	for n := range c.nodes {
		nd := &c.nodes[n]
		nd.edges = [2]int32{at, at + nd.edges[1]}
		at = nd.edges[1]
	}
	c.nodes[0].edges = [2]int32{}
	c.next = nil
}

// child returns the node that the word t leads to from node n, or 0.
func (c *compiled) child(n int32, t *token) int32 {
	nd := &c.nodes[n]
	edges := c.edges[nd.edges[0]:nd.edges[1]]
	key := edgeKey(t.id, t.sep&sepJoined != 0)
	if len(edges) <= 8 {
		for _, e := range edges {
			if e.key == key {
				return e.child
			}
		}
		return 0
	}
	if i, ok := slices.BinarySearchFunc(edges, key, func(e edgeTo, k uint32) int { return cmp.Compare(e.key, k) }); ok {
		return edges[i].child
	}
	return 0
}

package pin

import (
	"encoding/json"
	"sync"
)

// Cache remembers hashes by the exact bytes of a definition, so that an
// unchanged tools/list costs a map lookup per tool instead of a parse and
// a canonicalisation. Bytes that differ in any way are hashed afresh.
type Cache struct {
	mu  sync.Mutex
	m   map[string]string
	max int
}

// NewCache returns a cache of at most max definitions (0: 8192).
func NewCache(max int) *Cache {
	if max <= 0 {
		max = 8192
	}
	return &Cache{m: make(map[string]string), max: max}
}

// Hash is Hash(kind, def), served from the cache when def's bytes were
// hashed before.
func (c *Cache) Hash(kind string, def json.RawMessage) (string, error) {
	key := kind + "\x00" + string(def)
	c.mu.Lock()
	h, ok := c.m[key]
	c.mu.Unlock()
	if ok {
		return h, nil
	}
	h, err := Hash(kind, def)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	if len(c.m) >= c.max {
		clear(c.m) // a crude bound: servers rarely list this many definitions
	}
	c.m[key] = h
	c.mu.Unlock()
	return h, nil
}

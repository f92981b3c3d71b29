package auth

import (
	"crypto/sha256"
	"sync"
	"time"
)

// TokenHash identifies a token without keeping it.
type TokenHash [sha256.Size]byte

// HashToken returns the SHA-256 of a bearer token.
func HashToken(tok string) TokenHash { return sha256.Sum256([]byte(tok)) }

// tokenCache holds verified identities by token hash, each until its
// token's exp, at most max entries.
type tokenCache struct {
	mu  sync.RWMutex
	m   map[TokenHash]*Identity
	max int
}

func newTokenCache(max int) *tokenCache {
	if max <= 0 {
		max = 10000
	}
	return &tokenCache{m: make(map[TokenHash]*Identity), max: max}
}

func (c *tokenCache) get(h TokenHash, now time.Time) *Identity {
	c.mu.RLock()
	id := c.m[h]
	c.mu.RUnlock()
	if id == nil {
		return nil
	}
	if !now.Before(id.Expiry) {
		c.mu.Lock()
		delete(c.m, h)
		c.mu.Unlock()
		return nil
	}
	return id
}

func (c *tokenCache) put(h TokenHash, id *Identity, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		// Drop the expired first; if that is not enough, drop entries
		// at random (map order) until a tenth is free. Evicted tokens
		// are just verified again.
		for k, v := range c.m {
			if !now.Before(v.Expiry) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max-c.max/10 {
				break
			}
			delete(c.m, k)
		}
	}
	c.m[h] = id
}

func (c *tokenCache) drop(h TokenHash) {
	c.mu.Lock()
	delete(c.m, h)
	c.mu.Unlock()
}

func (c *tokenCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}

// Revocations are tokens refused before their exp: by hash (one-shot
// tokens, tokens revoked at the embedded server) or by jti. Entries are
// kept until the token would have expired anyway.
type Revocations struct {
	mu     sync.RWMutex
	hashes map[TokenHash]time.Time
	jtis   map[string]time.Time
}

// NewRevocations returns an empty set.
func NewRevocations() *Revocations {
	return &Revocations{hashes: map[TokenHash]time.Time{}, jtis: map[string]time.Time{}}
}

// RevokeHash refuses the token with hash h until until.
func (r *Revocations) RevokeHash(h TokenHash, until time.Time) {
	r.mu.Lock()
	r.hashes[h] = until
	r.gc(time.Now())
	r.mu.Unlock()
}

// RevokeJTI refuses tokens with this jti until until.
func (r *Revocations) RevokeJTI(jti string, until time.Time) {
	if jti == "" {
		return
	}
	r.mu.Lock()
	r.jtis[jti] = until
	r.gc(time.Now())
	r.mu.Unlock()
}

// Revoked reports whether the token (hash h, identity id) is revoked.
func (r *Revocations) Revoked(h TokenHash, id *Identity) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if len(r.hashes) == 0 && len(r.jtis) == 0 {
		return false
	}
	if _, ok := r.hashes[h]; ok {
		return true
	}
	if id != nil && id.TokenID != "" {
		if _, ok := r.jtis[id.TokenID]; ok {
			return true
		}
	}
	return false
}

// gc drops entries past their time; called with mu held, amortized.
func (r *Revocations) gc(now time.Time) {
	if (len(r.hashes)+len(r.jtis))%64 != 0 {
		return
	}
	for k, t := range r.hashes {
		if now.After(t) {
			delete(r.hashes, k)
		}
	}
	for k, t := range r.jtis {
		if now.After(t) {
			delete(r.jtis, k)
		}
	}
}

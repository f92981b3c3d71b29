// Package pin identifies tool definitions by content, so that a definition
// the operator reviewed can be told apart from one that changed (a rug pull).
//
// This file computes the schema hash every audit event carries. It guards
// against two spellings of one definition hashing differently (key order,
// whitespace, number forms) by hashing the RFC 8785 canonical form, and
// against a rename going unnoticed by hashing the name with the content.
package pin

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/gowebpki/jcs"
)

// HashedFields are the parts of a tool definition the hash covers.
var HashedFields = []string{"name", "title", "description", "inputSchema", "outputSchema", "annotations"}

// SchemaHash returns "sha256:<hex>" of the canonical form of the hashed
// fields of def (a tool definition object as an upstream lists it).
func SchemaHash(def json.RawMessage) (string, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(def, &m); err != nil {
		return "", fmt.Errorf("schema hash: %w", err)
	}
	sub := make(map[string]json.RawMessage, len(HashedFields))
	for _, f := range HashedFields {
		if v, ok := m[f]; ok {
			sub[f] = v
		}
	}
	b, err := json.Marshal(sub)
	if err != nil {
		return "", fmt.Errorf("schema hash: %w", err)
	}
	c, err := jcs.Transform(b)
	if err != nil {
		return "", fmt.Errorf("schema hash: canonicalize: %w", err)
	}
	sum := sha256.Sum256(c)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

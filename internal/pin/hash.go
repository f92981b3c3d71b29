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

// Kinds of pinned things and the fields of each that a pin covers. What a
// client sees and a model reads is covered; transport details (_meta,
// icons) are not.
const (
	KindTool         = "tool"
	KindPrompt       = "prompt"
	KindTemplate     = "template"
	KindInstructions = "instructions"
)

var kindFields = map[string][]string{
	KindTool:     HashedFields,
	KindPrompt:   {"name", "title", "description", "arguments"},
	KindTemplate: {"name", "title", "description", "uriTemplate", "mimeType"},
}

// SchemaHash returns "sha256:<hex>" of the canonical form of the hashed
// fields of def (a tool definition object as an upstream lists it).
func SchemaHash(def json.RawMessage) (string, error) { return Hash(KindTool, def) }

// Canonical returns the RFC 8785 canonical form of the pinned fields of
// def, a definition of kind (tool, prompt, template). For instructions,
// def is the instructions text as a JSON string.
func Canonical(kind string, def json.RawMessage) ([]byte, error) {
	if kind == KindInstructions {
		var s string
		if err := json.Unmarshal(def, &s); err != nil {
			return nil, fmt.Errorf("pin: instructions: %w", err)
		}
		return json.Marshal(s)
	}
	fields, ok := kindFields[kind]
	if !ok {
		return nil, fmt.Errorf("pin: unknown kind %q", kind)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(def, &m); err != nil {
		return nil, fmt.Errorf("schema hash: %w", err)
	}
	if m == nil {
		return nil, fmt.Errorf("schema hash: not an object")
	}
	sub := make(map[string]json.RawMessage, len(fields))
	for _, f := range fields {
		if v, ok := m[f]; ok {
			sub[f] = v
		}
	}
	b, err := json.Marshal(sub)
	if err != nil {
		return nil, fmt.Errorf("schema hash: %w", err)
	}
	c, err := jcs.Transform(b)
	if err != nil {
		return nil, fmt.Errorf("schema hash: canonicalize: %w", err)
	}
	return c, nil
}

// Hash returns "sha256:<hex>" of Canonical(kind, def).
func Hash(kind string, def json.RawMessage) (string, error) {
	c, err := Canonical(kind, def)
	if err != nil {
		return "", err
	}
	return HashBytes(c), nil
}

// HashBytes is "sha256:<hex>" of b.
func HashBytes(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// InstructionsDef is the definition of a server's instructions text.
func InstructionsDef(text string) json.RawMessage {
	b, _ := json.Marshal(text)
	return b
}

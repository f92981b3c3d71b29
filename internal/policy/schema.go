package policy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/mcpwarden/mcpwarden/internal/jsonval"
	"sort"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// Schemas validates call arguments against the tools' input schemas,
// compiled once per schema hash. A schema never loads anything: $ref to
// another document is an error (a tool definition comes from an upstream
// that is not trusted to make the gateway fetch URLs).
type Schemas struct {
	mu sync.Mutex
	m  map[string]*compiled
}

type compiled struct {
	schema *jsonschema.Schema
	// declared is the top-level property names; closed means undeclared
	// arguments are refused (the schema does not explicitly allow others).
	declared map[string]bool
	closed   bool
	err      error
}

// NewSchemas returns an empty cache.
func NewSchemas() *Schemas { return &Schemas{m: map[string]*compiled{}} }

type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, fmt.Errorf("the schema refers to %s; tool schemas must be self-contained", url)
}

// maxSchemas bounds the cache (a schema per tool definition seen).
const maxSchemas = 4096

func (s *Schemas) get(hash string, def json.RawMessage) *compiled {
	s.mu.Lock()
	c, ok := s.m[hash]
	s.mu.Unlock()
	if ok {
		return c
	}
	c = compileSchema(hash, def)
	s.mu.Lock()
	if len(s.m) >= maxSchemas {
		clear(s.m)
	}
	s.m[hash] = c
	s.mu.Unlock()
	return c
}

func compileSchema(hash string, def json.RawMessage) *compiled {
	var d struct {
		InputSchema json.RawMessage `json:"inputSchema"`
	}
	if err := json.Unmarshal(def, &d); err != nil || len(d.InputSchema) == 0 {
		return &compiled{err: errors.New("the tool definition has no inputSchema")}
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(d.InputSchema))
	if err != nil {
		return &compiled{err: fmt.Errorf("inputSchema is not JSON: %v", err)}
	}
	comp := jsonschema.NewCompiler()
	comp.UseLoader(noLoader{})
	comp.DefaultDraft(jsonschema.Draft2020)
	loc := "mem:///tool/" + strings.TrimPrefix(hash, "sha256:") + ".json"
	if err := comp.AddResource(loc, doc); err != nil {
		return &compiled{err: fmt.Errorf("inputSchema: %v", err)}
	}
	sch, err := comp.Compile(loc)
	if err != nil {
		return &compiled{err: fmt.Errorf("inputSchema does not compile: %v", err)}
	}
	c := &compiled{schema: sch, declared: map[string]bool{}}
	var top struct {
		Properties           map[string]json.RawMessage `json:"properties"`
		AdditionalProperties json.RawMessage            `json:"additionalProperties"`
	}
	_ = json.Unmarshal(d.InputSchema, &top)
	for k := range top.Properties {
		c.declared[k] = true
	}
	// Extra arguments are refused unless the schema explicitly allows
	// them (additionalProperties true or a schema); a schema without
	// properties declares nothing to close.
	ap := strings.TrimSpace(string(top.AdditionalProperties))
	c.closed = len(top.Properties) > 0 && (ap == "" || ap == "false")
	return c
}

// Validate checks args against the tool definition's inputSchema.
func (s *Schemas) Validate(hash string, def, args json.RawMessage) error {
	c := s.get(hash, def)
	if c.err != nil {
		return c.err
	}
	if len(args) == 0 || string(args) == "null" {
		args = json.RawMessage("{}")
	}
	inst, err := jsonval.DecodeNumbers(args) // as jsonschema.UnmarshalJSON, faster
	if err != nil {
		return fmt.Errorf("arguments are not JSON: %v", err)
	}
	if obj, ok := inst.(map[string]any); ok && c.closed {
		var extra []string
		for k := range obj {
			if !c.declared[k] {
				extra = append(extra, k)
			}
		}
		if len(extra) > 0 {
			sort.Strings(extra)
			return fmt.Errorf("argument %q is not in the tool's input schema", extra[0])
		}
	}
	if err := c.schema.Validate(inst); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			return fmt.Errorf("arguments do not match the tool's input schema: %s", firstCause(ve))
		}
		return err
	}
	return nil
}

// firstCause is the deepest first validation error, readable in one line.
func firstCause(ve *jsonschema.ValidationError) string {
	for len(ve.Causes) > 0 {
		ve = ve.Causes[0]
	}
	return oneLine(ve.Error())
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

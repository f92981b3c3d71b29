package config

import (
	"errors"
	"fmt"
	"io"
	"math"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Error is one problem found in a configuration file. Load and Parse return
// all problems joined with errors.Join; use errors.As on the joined error's
// Unwrap() []error to inspect them one by one.
type Error struct {
	File string // name of the file as given to Load or Parse
	Line int    // 1-based line, 0 if unknown
	Path string // key path such as "servers.ev.tools.get-env.allow"; "" for the whole file
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		if e.File != "" {
			b.WriteByte(':')
		} else {
			b.WriteString("line ")
		}
		b.WriteString(strconv.Itoa(e.Line))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// NodeUnmarshaler is implemented by types that decode themselves from a YAML
// node. The node has aliases resolved at its top level. An error returned by
// the hook is reported with the file, line and key path of the node, so the
// hook should only describe the problem.
type NodeUnmarshaler interface {
	UnmarshalYAMLNode(n *yaml.Node) error
}

// OrderedMap is a mapping that keeps the order of its keys as written in the
// file. It is used where order decides precedence (servers, tool rules).
// The zero value is an empty map.
type OrderedMap[T any] struct {
	Keys   []string     // keys in file order
	Values map[string]T // values by key
}

// Len returns the number of entries.
func (m OrderedMap[T]) Len() int { return len(m.Keys) }

// Get returns the value stored under key.
func (m OrderedMap[T]) Get(key string) (T, bool) {
	v, ok := m.Values[key]
	return v, ok
}

// Set stores v under key, appending key to Keys if it is new.
func (m *OrderedMap[T]) Set(key string, v T) {
	if m.Values == nil {
		m.Values = make(map[string]T)
	}
	if _, ok := m.Values[key]; !ok {
		m.Keys = append(m.Keys, key)
	}
	m.Values[key] = v
}

// decodeOrderedMap is the decoder's entry point for OrderedMap; generic types
// cannot be recognised by reflection otherwise.
func (m *OrderedMap[T]) decodeOrderedMap(d *decoder, n *yaml.Node, path string) {
	m.Keys, m.Values = nil, nil
	if isNull(n) {
		return
	}
	pairs, ok := d.mapping(n, path)
	if !ok {
		return
	}
	m.Keys = make([]string, 0, len(pairs))
	m.Values = make(map[string]T, len(pairs))
	for _, p := range pairs {
		var v T
		d.decode(reflect.ValueOf(&v).Elem(), p.val, p.path)
		m.Keys = append(m.Keys, p.key)
		m.Values[p.key] = v
	}
}

type orderedMapDecoder interface {
	decodeOrderedMap(d *decoder, n *yaml.Node, path string)
}

const (
	maxErrors = 100
	// maxDecodeSteps bounds the work spent on one file, counting every
	// value and mapping entry visited. Aliases can make a small file
	// expand polynomially; real configurations are far below this.
	maxDecodeSteps = 200_000
)

// decoder walks a yaml.Node tree into Go values, collecting errors.
type decoder struct {
	file    string
	errs    []*Error
	dropped int
	steps   int
	// keyLine records, for every key path that was present in the file,
	// the line of its key (or sequence item). Validation uses it to place
	// its errors and to tell "absent" from "set to the zero value".
	keyLine map[string]int
	// errPaths are the paths that had decode errors.
	errPaths []string
}

func newDecoder(file string) *decoder {
	return &decoder{file: file, keyLine: make(map[string]int)}
}

func (d *decoder) errorf(line int, path, format string, args ...any) {
	if path != "" && len(d.errPaths) < 10*maxErrors {
		d.errPaths = append(d.errPaths, path)
	}
	d.add(line, path, fmt.Sprintf(format, args...))
}

func (d *decoder) add(line int, path, msg string) {
	if len(d.errs) >= maxErrors {
		d.dropped++
		return
	}
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: msg})
}

type pair struct {
	key      string
	path     string
	keyNode  *yaml.Node
	val      *yaml.Node
	keyIndex int
}

// joinPath appends a mapping key to a path, quoting keys that would make the
// path ambiguous.
func joinPath(parent, key string) string {
	if key == "" || strings.ContainsAny(key, ".[]\" \t\r\n") || !utf8.ValidString(key) || !strconv.IsPrint(firstRune(key)) {
		key = strconv.Quote(key)
	}
	if parent == "" {
		return key
	}
	return parent + "." + key
}

func firstRune(s string) rune {
	r, _ := utf8.DecodeRuneInString(s)
	return r
}

func indexPath(parent string, i int) string {
	return parent + "[" + strconv.Itoa(i) + "]"
}

// resolve follows an alias. For a scalar target the returned copy carries the
// alias's position, so errors point where the value is used.
func (d *decoder) resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < 8; i++ {
		if n.Alias == nil {
			return nil
		}
		t := n.Alias
		if t.Kind == yaml.ScalarNode {
			c := *t
			c.Line, c.Column = n.Line, n.Column
			t = &c
		}
		n = t
	}
	if n != nil && n.Kind == yaml.AliasNode {
		return nil
	}
	return n
}

var knownTags = map[string]bool{
	"": true, "!": true, "!!str": true, "!!int": true, "!!float": true, "!!bool": true,
	"!!null": true, "!!timestamp": true, "!!map": true, "!!seq": true,
}

// mapping checks that n is a mapping with unique plain scalar keys and returns
// its entries in order.
func (d *decoder) mapping(n *yaml.Node, path string) ([]pair, bool) {
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "expected a mapping, got %s", describe(n))
		return nil, false
	}
	if len(n.Content)%2 != 0 {
		d.errorf(n.Line, path, "malformed mapping")
		return nil, false
	}
	seen := make(map[string]int, len(n.Content)/2)
	pairs := make([]pair, 0, len(n.Content)/2)
	for i := 0; i < len(n.Content); i += 2 {
		if !d.step() {
			return nil, false
		}
		kn, vn := n.Content[i], n.Content[i+1]
		if kn == nil || vn == nil {
			d.errorf(n.Line, path, "malformed mapping")
			continue
		}
		if kn.Kind == yaml.ScalarNode && kn.Tag == "!!merge" {
			d.errorf(kn.Line, path, "merge keys (<<) are not supported: which value wins is easy to misread; write the keys out (anchors and aliases for whole values are fine)")
			continue
		}
		k := d.resolve(kn)
		if k == nil || k.Kind != yaml.ScalarNode {
			d.errorf(kn.Line, path, "keys must be plain strings, got %s", describe(k))
			continue
		}
		if k.Tag == "!!null" {
			d.errorf(kn.Line, path, "empty or null key")
			continue
		}
		if !knownTags[k.Tag] || k.Tag == "!!map" || k.Tag == "!!seq" {
			d.errorf(kn.Line, path, "unsupported tag %s on key %q", k.Tag, truncate(k.Value))
			continue
		}
		key := k.Value
		p := joinPath(path, key)
		if first, dup := seen[key]; dup {
			d.errorf(kn.Line, p, "duplicate key (first defined at line %d)", first)
			continue
		}
		seen[key] = kn.Line
		d.keyLine[p] = kn.Line
		pairs = append(pairs, pair{key: key, path: p, keyNode: kn, val: vn, keyIndex: i})
	}
	return pairs, true
}

var (
	durationType = reflect.TypeFor[time.Duration]()
)

// step counts one unit of work and reports whether the budget allows it.
func (d *decoder) step() bool {
	d.steps++
	if d.steps > maxDecodeSteps {
		return false
	}
	return true
}

// decode stores the value of n into v (which must be settable).
func (d *decoder) decode(v reflect.Value, n *yaml.Node, path string) {
	if !d.step() {
		return
	}
	if n == nil {
		d.errorf(0, path, "missing value")
		return
	}
	line := n.Line
	n = d.resolve(n)
	if n == nil {
		d.errorf(line, path, "unresolvable alias")
		return
	}
	if !knownTags[n.Tag] {
		d.errorf(n.Line, path, "unsupported tag %s", n.Tag)
		return
	}
	if n.Kind == yaml.DocumentNode {
		d.errorf(n.Line, path, "unexpected document")
		return
	}

	if v.CanAddr() {
		switch h := v.Addr().Interface().(type) {
		case NodeUnmarshaler:
			if err := h.UnmarshalYAMLNode(n); err != nil {
				d.errorf(n.Line, path, "%s", err.Error())
			}
			return
		case orderedMapDecoder:
			h.decodeOrderedMap(d, n, path)
			return
		}
	}

	if v.Type() == durationType {
		dur, err := parseDuration(n)
		if err != nil {
			d.errorf(n.Line, path, "%s", err.Error())
			return
		}
		v.SetInt(int64(dur))
		return
	}

	switch v.Kind() {
	case reflect.Pointer:
		e := reflect.New(v.Type().Elem())
		d.decode(e.Elem(), n, path)
		v.Set(e)
	case reflect.Struct:
		d.decodeStruct(v, n, path)
	case reflect.String:
		s, err := scalarString(n)
		if err != nil {
			d.errorf(n.Line, path, "%s", err.Error())
			return
		}
		v.SetString(s)
	case reflect.Bool:
		b, err := scalarBool(n)
		if err != nil {
			d.errorf(n.Line, path, "%s", err.Error())
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		i, err := scalarInt(n, v.Type().Bits())
		if err != nil {
			d.errorf(n.Line, path, "%s", err.Error())
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		u, err := scalarUint(n, v.Type().Bits())
		if err != nil {
			d.errorf(n.Line, path, "%s", err.Error())
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		f, err := scalarFloat(n, v.Type().Bits())
		if err != nil {
			d.errorf(n.Line, path, "%s", err.Error())
			return
		}
		v.SetFloat(f)
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			hint := ""
			if isNull(n) {
				hint = " (write [] for an empty list)"
			}
			d.errorf(n.Line, path, "expected a sequence, got %s%s", describe(n), hint)
			return
		}
		s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
		for i, c := range n.Content {
			p := indexPath(path, i)
			if c != nil {
				d.keyLine[p] = c.Line
			}
			d.decode(s.Index(i), c, p)
		}
		v.Set(s)
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			d.errorf(n.Line, path, "internal: unsupported map key type %s", v.Type().Key())
			return
		}
		m := reflect.MakeMap(v.Type())
		v.Set(m)
		if isNull(n) {
			return
		}
		pairs, ok := d.mapping(n, path)
		if !ok {
			return
		}
		for _, p := range pairs {
			e := reflect.New(v.Type().Elem()).Elem()
			d.decode(e, p.val, p.path)
			m.SetMapIndex(reflect.ValueOf(p.key).Convert(v.Type().Key()), e)
		}
	default:
		d.errorf(n.Line, path, "internal: unsupported Go type %s", v.Type())
	}
}

type fieldInfo struct {
	name  string
	index int
}

func yamlFields(t reflect.Type) []fieldInfo {
	var fs []fieldInfo
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag, ok := f.Tag.Lookup("yaml")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" || name == "-" {
			continue
		}
		fs = append(fs, fieldInfo{name: name, index: i})
	}
	return fs
}

func (d *decoder) decodeStruct(v reflect.Value, n *yaml.Node, path string) {
	pairs, ok := d.mapping(n, path)
	if !ok {
		return
	}
	fields := yamlFields(v.Type())
	for _, p := range pairs {
		idx := -1
		for _, f := range fields {
			if f.name == p.key {
				idx = f.index
				break
			}
		}
		if idx < 0 {
			msg := "unknown key"
			if len(d.errs) < maxErrors { // otherwise dropped; skip the cost
				names := make([]string, len(fields))
				for i, f := range fields {
					names[i] = f.name
				}
				if s := suggest(p.key, names); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
			}
			d.errorf(p.keyNode.Line, p.path, "%s", msg)
			continue
		}
		d.decode(v.Field(idx), p.val, p.path)
	}
}

func isNull(n *yaml.Node) bool {
	return n != nil && n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

func truncate(s string) string {
	const max = 40
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a sequence"
	case yaml.AliasNode:
		return "an alias"
	case yaml.DocumentNode:
		return "a document"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "null"
		case "!!bool":
			return "boolean " + truncate(n.Value)
		case "!!int":
			return "integer " + truncate(n.Value)
		case "!!float":
			return "float " + truncate(n.Value)
		case "!!timestamp":
			return "timestamp " + truncate(n.Value)
		default:
			return "string " + strconv.Quote(truncate(n.Value))
		}
	}
	return "an unknown node"
}

// scalarString accepts strings and numbers (taken as written). Booleans and
// null are refused: "true" vs true and "" vs null are exactly the kind of
// difference that should be spelled out.
func scalarString(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode {
		return "", fmt.Errorf("expected a string, got %s", describe(n))
	}
	switch n.Tag {
	case "!!null":
		return "", errors.New(`expected a string, got null (write "" for an empty string)`)
	case "!!bool":
		return "", fmt.Errorf("expected a string, got boolean %s (quote it if you mean the string)", truncate(n.Value))
	}
	return n.Value, nil
}

func scalarBool(n *yaml.Node) (bool, error) {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!bool" {
		switch strings.ToLower(n.Value) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return false, fmt.Errorf("expected a boolean (true or false), got %q", truncate(n.Value))
	}
	msg := fmt.Sprintf("expected a boolean, got %s", describe(n))
	if n.Kind == yaml.ScalarNode && n.Tag != "!!null" {
		switch strings.ToLower(n.Value) {
		case "yes", "y", "on", "no", "n", "off", "true", "false":
			msg += " (only unquoted true and false are booleans)"
		}
	}
	return false, errors.New(msg)
}

var decimalWithLeadingZero = regexp.MustCompile(`^[-+]?0[0-9_]`)

func intText(n *yaml.Node) (string, error) {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" {
		return "", fmt.Errorf("expected an integer, got %s", describe(n))
	}
	if decimalWithLeadingZero.MatchString(n.Value) {
		return "", fmt.Errorf("ambiguous integer %s: a leading zero may mean octal; write it without the zero or as 0o...", truncate(n.Value))
	}
	return n.Value, nil
}

func scalarInt(n *yaml.Node, bits int) (int64, error) {
	s, err := intText(n)
	if err != nil {
		return 0, err
	}
	i, err := strconv.ParseInt(s, 0, bits)
	if err != nil {
		return 0, fmt.Errorf("integer %s out of range or malformed", truncate(n.Value))
	}
	return i, nil
}

func scalarUint(n *yaml.Node, bits int) (uint64, error) {
	s, err := intText(n)
	if err != nil {
		return 0, err
	}
	u, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 0, bits)
	if err != nil {
		return 0, fmt.Errorf("expected a non-negative integer, got %s", truncate(n.Value))
	}
	return u, nil
}

func scalarFloat(n *yaml.Node, bits int) (float64, error) {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!float" && n.Tag != "!!int") {
		return 0, fmt.Errorf("expected a number, got %s", describe(n))
	}
	if n.Tag == "!!int" {
		if _, err := intText(n); err != nil {
			return 0, err
		}
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), bits)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("expected a finite number, got %s", truncate(n.Value))
	}
	return f, nil
}

func parseDuration(n *yaml.Node) (time.Duration, error) {
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		return 0, fmt.Errorf(`expected a duration with a unit such as "30s" or "2m", got bare number %s (the unit is required)`, truncate(n.Value))
	}
	s, err := scalarString(n)
	if err != nil {
		return 0, fmt.Errorf("expected a duration such as \"30s\" or \"2m\", got %s", describe(n))
	}
	dur, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf(`invalid duration %q: expected a number with a unit such as "500ms", "30s", "2m" or "1h30m"`, truncate(s))
	}
	return dur, nil
}

// suggest returns the candidate closest to key, if it is close enough to be
// a plausible typo.
func suggest(key string, candidates []string) string {
	best, bestDist := "", math.MaxInt
	lk := strings.ToLower(key)
	for _, c := range candidates {
		if strings.ToLower(c) == lk || strings.ReplaceAll(lk, "-", "_") == c {
			return c
		}
		dist := levenshtein(lk, c)
		if dist < bestDist {
			best, bestDist = c, dist
		}
	}
	limit := 2
	if len(key) <= 4 {
		limit = 1
	}
	if len(key) >= 10 {
		limit = 3
	}
	if bestDist <= limit {
		return best
	}
	return ""
}

func levenshtein(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return math.MaxInt
	}
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// parseDocument parses data as exactly one YAML document and returns its
// root node.
func parseDocument(data []byte, file string) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Msg: "file is empty; at least one server must be configured"}
		}
		return nil, syntaxError(file, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, syntaxError(file, err)
		}
		return nil, &Error{File: file, Line: extra.Line, Msg: "multiple YAML documents in one file (\"---\"); only one is allowed"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 || doc.Content[0] == nil {
		return nil, &Error{File: file, Line: doc.Line, Msg: "file is empty; at least one server must be configured"}
	}
	root := doc.Content[0]
	if isNull(root) {
		return nil, &Error{File: file, Line: root.Line, Msg: "file is empty; at least one server must be configured"}
	}
	return root, nil
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// err returns all collected errors joined, or nil.
func (d *decoder) err() error {
	errs := d.errs
	if d.steps > maxDecodeSteps {
		errs = append(errs, &Error{File: d.file, Msg: "document too large or too many alias expansions; decoding stopped"})
	}
	return joinErrors(errs, d.dropped)
}

// joinErrors sorts errors by line (stably, so one line's errors keep their
// order) and joins them, one per line.
func joinErrors(errs []*Error, dropped int) error {
	if len(errs) == 0 {
		return nil
	}
	// Errors without a line (about something absent) go last.
	key := func(e *Error) int {
		if e.Line <= 0 {
			return math.MaxInt
		}
		return e.Line
	}
	sort.SliceStable(errs, func(i, j int) bool { return key(errs[i]) < key(errs[j]) })
	out := make([]error, 0, len(errs)+1)
	for _, e := range errs {
		out = append(out, e)
	}
	if dropped > 0 {
		out = append(out, fmt.Errorf("... and %d more errors", dropped))
	}
	return errors.Join(out...)
}

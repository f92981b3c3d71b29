package config

import (
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"time"

	"github.com/mcpwarden/mcpwarden/internal/secretshape"
)

// DefaultSecretsRefresh is how often references are re-resolved.
const DefaultSecretsRefresh = 5 * time.Minute

// Vault auth methods.
const (
	VaultAuthToken   = "token"
	VaultAuthAppRole = "approle"
)

// RefAt is a Value of the configuration with its key path.
type RefAt struct {
	Path  string
	Value Value
}

// Values returns every Value in the configuration with its key path
// (servers.gh.env.GITHUB_TOKEN ...), in the order of the Config struct
// (map entries in file order).
func (c *Config) Values() []RefAt {
	var out []RefAt
	walkValues(reflect.ValueOf(c).Elem(), "", func(p string, v Value) { out = append(out, RefAt{p, v}) }, nil)
	return out
}

// References returns the Values that are references.
func (c *Config) References() []RefAt {
	var out []RefAt
	for _, r := range c.Values() {
		if r.Value.IsRef() {
			out = append(out, r)
		}
	}
	return out
}

var valueType = reflect.TypeOf(Value{})

// walkValues visits every Value (and, through str, every other string)
// under v, building yaml key paths.
func walkValues(v reflect.Value, path string, val func(string, Value), str func(string, string)) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkValues(v.Elem(), path, val, str)
		}
	case reflect.String:
		if str != nil {
			str(path, v.String())
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			walkValues(v.Index(i), fmt.Sprintf("%s[%d]", path, i), val, str)
		}
	case reflect.Struct:
		if v.Type() == valueType {
			val(path, v.Interface().(Value))
			return
		}
		// OrderedMap[T]: visit in key order.
		if keys, vals := v.FieldByName("Keys"), v.FieldByName("Values"); v.NumField() == 2 && keys.IsValid() && vals.IsValid() &&
			keys.Kind() == reflect.Slice && vals.Kind() == reflect.Map {
			for i := 0; i < keys.Len(); i++ {
				k := keys.Index(i).String()
				walkValues(vals.MapIndex(reflect.ValueOf(k)), joinPath(path, k), val, str)
			}
			return
		}
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			if !f.IsExported() || name == "" || name == "-" {
				continue
			}
			walkValues(v.Field(i), joinPath(path, name), val, str)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			if iter.Key().Kind() == reflect.String {
				walkValues(iter.Value(), joinPath(path, iter.Key().String()), val, str)
			}
		}
	}
}

// secrets checks secrets: and every Value: vault: references need
// secrets.vault, and no literal may have the shape of a credential.
func (v *validator) secrets() {
	c := v.cfg
	if c.Secrets.Refresh < 0 || (c.Secrets.Refresh > 0 && c.Secrets.Refresh.D() < time.Second) {
		v.errorf("secrets.refresh", "must be at least 1s")
	}
	if vc := c.Secrets.Vault; vc != nil {
		u, err := url.Parse(vc.Address)
		switch {
		case vc.Address == "":
			v.errorf("secrets.vault.address", "required (such as https://vault.example:8200)")
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil:
			v.errorf("secrets.vault.address", "must be an http(s) URL without credentials, got %q", truncate(vc.Address))
		case u.Scheme == "http" && !isLoopbackHost(u.Hostname()):
			v.errorf("secrets.vault.address", "plain http is allowed only to a loopback address (secrets would cross the network in clear); use https")
		}
		ref := func(p string, val Value, what string) {
			switch {
			case val.IsZero():
				v.errorf(p, "required for auth.method %s: %s", vc.Auth.Method, what)
			case !val.IsRef() || val.IsVault():
				v.errorf(p, "must be a reference (env:NAME or file:PATH), not a literal or a vault: reference")
			}
		}
		switch vc.Auth.Method {
		case VaultAuthToken, "":
			ref("secrets.vault.auth.token", vc.Auth.Token, "the Vault token")
		case VaultAuthAppRole:
			if vc.Auth.RoleID.IsZero() {
				v.errorf("secrets.vault.auth.role_id", "required for auth.method approle")
			} else if vc.Auth.RoleID.IsVault() {
				v.errorf("secrets.vault.auth.role_id", "cannot be a vault: reference")
			}
			ref("secrets.vault.auth.secret_id", vc.Auth.SecretID, "the AppRole secret id")
		default:
			v.errorf("secrets.vault.auth.method", "must be token or approle, got %q", truncate(vc.Auth.Method))
		}
	}
	shapes := secretshape.Shapes
	literal := func(p, s string) {
		if name := secretshape.Match([]byte(s), shapes); name != "" {
			v.errorf(p, "a literal secret (it has the shape of a %s): write it as a reference (env:NAME, file:PATH or vault:PATH#FIELD)", strings.ReplaceAll(name, "_", " "))
		}
	}
	walkValues(reflect.ValueOf(c).Elem(), "", func(p string, val Value) {
		switch {
		case val.IsVault() && c.Secrets.Vault == nil:
			v.errorf(p, "vault: references need secrets.vault (the server to read them from)")
		case !val.IsRef():
			literal(p, val.String())
		}
	}, literal)
}

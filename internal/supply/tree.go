package supply

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
)

// npmHiddenLock is npm's own record of node_modules, rewritten by npm; it
// is not code and not part of the tree hash.
const npmHiddenLock = ".package-lock.json"

// TreeHash hashes the tree under dir: every regular file's relative path,
// whether it is executable and the SHA-256 of its content; every symlink's
// path and target; every empty directory. Permission bits other than the
// executable bit are left out (they follow the installing user's umask).
// Anything else (devices, sockets, pipes) is an error. The result is
// "sha256:HEX".
func TreeHash(dir string) (string, error) {
	type item struct{ path, line string }
	var items []item
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if rel == npmHiddenLock {
			return nil
		}
		q := strconv.Quote(rel)
		switch t := d.Type(); {
		case t.IsDir():
			empty, err := isEmptyDir(p)
			if err != nil {
				return err
			}
			if empty {
				items = append(items, item{rel, "d " + q})
			}
		case t&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			items = append(items, item{rel, "l " + q + " " + strconv.Quote(filepath.ToSlash(target))})
		case t.IsRegular():
			info, err := d.Info()
			if err != nil {
				return err
			}
			sum, err := fileSum(p)
			if err != nil {
				return err
			}
			x := "-"
			if info.Mode().Perm()&0o111 != 0 {
				x = "x"
			}
			items = append(items, item{rel, "f " + q + " " + x + " " + sum})
		default:
			return fmt.Errorf("%s: not a regular file, directory or symlink (%s)", rel, t)
		}
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("tree hash of %s: %w", dir, err)
	}
	sort.Slice(items, func(i, j int) bool { return items[i].path < items[j].path })
	h := sha256.New()
	for _, it := range items {
		io.WriteString(h, it.line)
		h.Write([]byte{'\n'})
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

func fileSum(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func isEmptyDir(p string) (bool, error) {
	f, err := os.Open(p)
	if err != nil {
		return false, err
	}
	defer f.Close()
	_, err = f.Readdirnames(1)
	if err == io.EOF {
		return true, nil
	}
	return false, err
}

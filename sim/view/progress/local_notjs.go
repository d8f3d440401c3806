//go:build !js

package progress

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Local is the learner's own progress: natively the file Where names,
// in the browser its local storage (local_js.go has the same API).
func Local() Store { return fileStore{} }

// Where says where Local keeps the progress: a file in the user's
// configuration directory (os.UserConfigDir: ~/.config on Linux,
// ~/Library/Application Support on macOS, %AppData% on Windows).
func Where() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(dir, "socketlab", "progress.json"), nil
}

type fileStore struct{}

func (fileStore) Load() ([]byte, error) {
	path, err := Where()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err == nil && len(data) > MaxSize {
		err = fmt.Errorf("%s is larger than %d bytes", path, MaxSize)
	}
	return data, err
}

// Save writes the file whole, through a temporary file, so that a crash
// never leaves half of it.
func (fileStore) Save(data []byte) error {
	path, err := Where()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

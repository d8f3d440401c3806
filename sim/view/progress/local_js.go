//go:build js

package progress

import (
	"errors"
	"syscall/js"
)

// key is the local-storage item the progress is kept in.
const key = "socketlab.progress"

// Local is the learner's own progress: in the browser its local storage
// (local_notjs.go keeps a file, with the same API).
func Local() Store { return storageStore{} }

// Where says where Local keeps the progress.
func Where() (string, error) { return "localStorage[" + key + "]", nil }

type storageStore struct{}

func storage() (js.Value, error) {
	s := js.Global().Get("localStorage")
	if s.IsUndefined() || s.IsNull() {
		return js.Value{}, errors.New("this browser keeps no local storage")
	}
	return s, nil
}

func (storageStore) Load() ([]byte, error) {
	s, err := storage()
	if err != nil {
		return nil, err
	}
	v := s.Call("getItem", key)
	if v.IsNull() || v.IsUndefined() {
		return nil, nil
	}
	return []byte(v.String()), nil
}

func (storageStore) Save(data []byte) (err error) {
	s, err := storage()
	if err != nil {
		return err
	}
	defer func() { // a full or forbidden storage throws
		if r := recover(); r != nil {
			err = errors.New("local storage refused the progress")
		}
	}()
	s.Call("setItem", key, string(data))
	return nil
}

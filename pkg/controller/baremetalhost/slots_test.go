/*
Copyright The baremetal-apiserver Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package baremetalhost

import (
	"slices"
	"testing"
)

func TestSlotsWakeOldestFirstAndNeverExceed(t *testing.T) {
	s := newSlots(2)
	for _, k := range []string{"a", "b"} {
		if ok, taken := s.acquire(k); !ok || !taken {
			t.Fatalf("acquire(%s) = %t, %t; want a slot", k, ok, taken)
		}
	}
	for _, k := range []string{"w3", "w1", "w2", "w3"} { // w3 asks twice: it keeps its place
		if ok, _ := s.acquire(k); ok {
			t.Fatalf("acquire(%s) got a slot past the limit", k)
		}
	}
	if ok, taken := s.acquire("a"); !ok || taken {
		t.Errorf("a holder asking again = %t, %t; want ok without taking", ok, taken)
	}
	if got, want := s.release("a"), []string{"w3", "w1", "w2"}; !slices.Equal(got, want) {
		t.Errorf("woken = %v, want oldest first %v", got, want)
	}
	if ok, _ := s.acquire("w1"); !ok {
		t.Fatal("w1 did not get the freed slot")
	}
	if ok, _ := s.acquire("w3"); ok {
		t.Error("w3 got a slot while both are held")
	}
	if held, waiting := s.inUse(); held != 2 || waiting != 2 {
		t.Errorf("inUse = %d held, %d waiting; want 2, 2", held, waiting)
	}
	if got := s.release("nobody"); got != nil {
		t.Errorf("release of a non-holder woke %v", got)
	}
}

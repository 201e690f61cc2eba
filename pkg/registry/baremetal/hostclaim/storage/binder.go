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

package storage

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"

	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metainternalversion "k8s.io/apimachinery/pkg/apis/meta/internalversion"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	genericapirequest "k8s.io/apiserver/pkg/endpoints/request"
	"k8s.io/apiserver/pkg/registry/rest"
	"k8s.io/klog/v2"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/validation"
)

// Binding a claim to a host
//
// The host is the source of truth: a claim holds a host when, and only when, the host's
// spec.consumerRef names the claim (kind HostClaim, its namespace, name and UID). Taking a
// host is one write of that one object, through the hosts' store: Store.Update runs
// storage.Interface.GuaranteedUpdate, whose tryUpdate (take's transformer) sees the host as
// stored and refuses when its consumerRef is already set (or it is no longer available or no
// longer matches); the write is then an etcd transaction comparing the host's mod revision
// with the one tryUpdate saw. If another binder wrote the host in between, the transaction
// fails, GuaranteedUpdate reads the host again and tryUpdate, now seeing the other claim's
// consumerRef, refuses. So of any number of concurrent binders, on any number of replicas
// sharing the etcd, exactly one sets a host's consumerRef, and no host is ever held twice:
// the same argument as kube-apiserver's pods/binding (pkg/registry/core/pod/storage: the
// pod, updated with GuaranteedUpdate, refuses a second binding), with the host as the lock.
//
// The claim's status (status.bareMetalHost, the Associated condition) is written after, and
// is derived: whoever binds next (this binder again, the claim binder, a restart) finds the
// host by its consumerRef first (heldHosts) and writes the status from it, so a crash between
// the host write and the status write loses nothing. The status write is a second
// GuaranteedUpdate, on the claim, that refuses to replace a host the status already names
// while that host is still held: two binders racing on the same claim (the create path and
// the claim binder) can each take a host, but only one's status write lands, and the other
// returns the host it took at once.

// HostStore is what binding needs of the hosts' storage: the store itself, in process.
type HostStore interface {
	rest.Getter
	rest.Lister
	rest.Updater
}

// Binder binds HostClaims to BareMetalHosts and returns hosts to the pool.
type Binder struct {
	claims   rest.StandardStorage
	status   rest.Updater
	hosts    HostStore
	policies rest.Lister
	// namespaceLabels reads the labels of a claim's Namespace, for policies with hasLabels.
	namespaceLabels NamespaceLabels
	// binding serialises the binds of one claim in this process (its create, the claim
	// binder, a user's POST binding), so that the second finds the host the first took
	// instead of taking another and giving it back. Correctness does not depend on it (other
	// replicas do not share it): see writeStatus.
	binding keyedMutex
}

// keyedMutex is a mutex per key, forgotten when nobody holds or waits for it.
type keyedMutex struct {
	mu    sync.Mutex
	locks map[string]*keyedLock
}

type keyedLock struct {
	sync.Mutex
	users int
}

func (k *keyedMutex) lock(key string) (unlock func()) {
	k.mu.Lock()
	if k.locks == nil {
		k.locks = map[string]*keyedLock{}
	}
	l := k.locks[key]
	if l == nil {
		l = &keyedLock{}
		k.locks[key] = l
	}
	l.users++
	k.mu.Unlock()
	l.Lock()
	return func() {
		l.Unlock()
		k.mu.Lock()
		if l.users--; l.users == 0 {
			delete(k.locks, key)
		}
		k.mu.Unlock()
	}
}

var (
	errHostTaken  = errors.New("host taken")
	errNotHeld    = errors.New("host not held by the claim")
	errStatusRace = errors.New("the claim's status names another host")
)

// Bind binds the claim of the context's namespace to one available host matching its
// selector, or records in its Associated condition why it waits; it returns the claim as
// stored after. Binding a claim that holds a host only brings its status up to date.
func (b *Binder) Bind(ctx context.Context, name string) (*baremetal.HostClaim, error) {
	obj, err := b.claims.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	claim := obj.(*baremetal.HostClaim)
	if claim.DeletionTimestamp != nil {
		return claim, nil
	}
	defer b.binding.lock(string(claim.UID))()
	held, err := b.heldHosts(ctx, claim)
	if err != nil {
		return nil, err
	}
	if len(held) > 0 {
		// Held already (a binder that crashed before writing the status, or a claim bound
		// before). Should there be more than one (binders on several replicas racing), one
		// is kept, whoever decides: the one the status names, else the first by creation and
		// name; the others go back to the pool.
		sort.Slice(held, func(i, j int) bool {
			if si, sj := names(claim.Status.BareMetalHost, held[i]), names(claim.Status.BareMetalHost, held[j]); si != sj {
				return si
			}
			return hostKey(held[i]) < hostKey(held[j])
		})
		for _, h := range held[1:] {
			_ = b.releaseHost(ctx, h, claim)
		}
		return b.writeStatus(ctx, claim, held[0], nil)
	}

	namespaces, refusal, err := b.namespaces(ctx, claim)
	if err != nil {
		return nil, err
	}
	if refusal != "" {
		return b.writeStatus(ctx, claim, nil, waiting(claim, baremetal.HostClaimNamespaceNotAllowedReason, refusal))
	}
	selector, errs := validation.HostSelectorAsLabelSelector(&claim.Spec.HostSelector, nil)
	if len(errs) > 0 {
		return nil, apierrors.NewInvalid(baremetal.Kind("HostClaim"), claim.Name, errs)
	}
	var matched, candidates []*baremetal.BareMetalHost
	for _, ns := range namespaces {
		list, err := b.hosts.List(genericapirequest.WithNamespace(ctx, ns), &metainternalversion.ListOptions{LabelSelector: selector})
		if err != nil {
			return nil, err
		}
		for i := range list.(*baremetal.BareMetalHostList).Items {
			h := &list.(*baremetal.BareMetalHostList).Items[i]
			matched = append(matched, h)
			if unavailable(h) == "" {
				candidates = append(candidates, h)
			}
		}
	}
	// A random order: concurrent binders then rarely pick the same host, and the losers of a
	// collision just go on to their next one. The failure domain asked for comes first.
	rand.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	if fd := claim.Spec.FailureDomain; fd != "" {
		sort.SliceStable(candidates, func(i, j int) bool {
			return candidates[i].Labels[failureDomainLabel] == fd && candidates[j].Labels[failureDomainLabel] != fd
		})
	}
	for _, h := range candidates {
		taken, err := b.take(ctx, h, claim, selector)
		if errors.Is(err, errHostTaken) || apierrors.IsNotFound(err) {
			continue
		}
		if apierrors.IsInvalid(err) {
			// A host the claim's image or config drive would make invalid (or one stored
			// under older rules): not this one, but maybe another.
			klog.InfoS("HostClaim cannot take host", "hostClaim", klog.KObj(claim), "host", klog.KObj(h), "err", err)
			continue
		}
		if err != nil {
			return nil, err
		}
		bound, err := b.writeStatus(ctx, claim, taken, nil)
		if errors.Is(err, errStatusRace) || apierrors.IsNotFound(err) {
			// Another binder bound this claim first, or the claim went away meanwhile (its
			// release may have run before this host was taken): return the host.
			if rerr := b.releaseHost(ctx, taken, claim); rerr != nil {
				return nil, rerr
			}
			if apierrors.IsNotFound(err) {
				return nil, err
			}
			return b.claimNow(ctx, name)
		}
		return bound, err
	}
	where := strings.Join(namespaces, ", ")
	reason, message := baremetal.HostClaimAllBareMetalHostsClaimedReason,
		fmt.Sprintf("all %d BareMetalHosts matching spec.hostSelector in namespace(s) %s are claimed or not available; waiting for one to be returned to the pool", len(matched), where)
	if len(matched) == 0 {
		reason, message = baremetal.HostClaimNoBareMetalHostReason,
			fmt.Sprintf("no BareMetalHost matches spec.hostSelector in namespace(s) %s; waiting for one", where)
	}
	if ref := claim.Status.BareMetalHost; ref != nil {
		// The claim held a host that no longer names it (deleted, or its consumerRef
		// cleared by someone): say so first.
		reason, message = baremetal.HostClaimMissingBareMetalHostReason,
			fmt.Sprintf("BareMetalHost %s/%s is gone or no longer held by this claim; %s", ref.Namespace, ref.Name, message)
	}
	return b.writeStatus(ctx, claim, nil, waiting(claim, reason, message))
}

const failureDomainLabel = "infrastructure.cluster.x-k8s.io/failure-domain"

func (b *Binder) claimNow(ctx context.Context, name string) (*baremetal.HostClaim, error) {
	obj, err := b.claims.Get(ctx, name, &metav1.GetOptions{})
	if err != nil {
		return nil, err
	}
	return obj.(*baremetal.HostClaim), nil
}

// names says whether ref names the host.
func names(ref *baremetal.ObjectReference, h *baremetal.BareMetalHost) bool {
	return ref != nil && ref.Namespace == h.Namespace && ref.Name == h.Name
}

func hostKey(h *baremetal.BareMetalHost) string {
	return h.CreationTimestamp.UTC().Format("20060102150405") + "/" + h.Namespace + "/" + h.Name
}

// unavailable says why a host cannot be claimed now, or "" when it can: Metal3's rules (no
// consumer, not being deleted, not paused, ready or available, no error).
func unavailable(h *baremetal.BareMetalHost) string {
	switch {
	case h.Spec.ConsumerRef != nil:
		return "claimed"
	case h.DeletionTimestamp != nil:
		return "being deleted"
	case v1alpha1.Paused(h.Annotations):
		return "paused"
	case h.Status.Provisioning.State != baremetal.StateAvailable && h.Status.Provisioning.State != baremetal.StateReady:
		return string(h.Status.Provisioning.State)
	case h.Status.ErrorMessage != "":
		return "in error"
	}
	return ""
}

// consumerRef is how a host names the claim holding it.
func consumerRef(claim *baremetal.HostClaim) *baremetal.ObjectReference {
	return &baremetal.ObjectReference{Kind: baremetal.HostClaimKind, APIVersion: v1alpha1.SchemeGroupVersion.String(),
		Namespace: claim.Namespace, Name: claim.Name, UID: claim.UID}
}

// heldBy says whether the host's consumerRef names this claim (this very object: its UID).
func heldBy(h *baremetal.BareMetalHost, claim *baremetal.HostClaim) bool {
	ref := h.Spec.ConsumerRef
	return ref != nil && ref.Kind == baremetal.HostClaimKind && ref.Namespace == claim.Namespace &&
		ref.Name == claim.Name && ref.UID == claim.UID
}

// take is the binding: one GuaranteedUpdate of the host that refuses unless the host, as
// stored at the moment of the write, is free, available and still matches (see the comment
// at the top). It records the claim's image, power and config drive on the host, so the
// reconciler provisions it.
func (b *Binder) take(ctx context.Context, h *baremetal.BareMetalHost, claim *baremetal.HostClaim, selector labels.Selector) (*baremetal.BareMetalHost, error) {
	out, _, err := b.hosts.Update(genericapirequest.WithNamespace(ctx, h.Namespace), h.Name,
		rest.DefaultUpdatedObjectInfo(nil, func(ctx context.Context, _, oldObj runtime.Object) (runtime.Object, error) {
			host := oldObj.(*baremetal.BareMetalHost).DeepCopy()
			if unavailable(host) != "" || !selector.Matches(labels.Set(host.Labels)) {
				return nil, errHostTaken
			}
			host.Spec.ConsumerRef = consumerRef(claim)
			applySpec(host, claim)
			return host, nil
		}),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if err != nil {
		return nil, err
	}
	return out.(*baremetal.BareMetalHost), nil
}

// applySpec writes onto a host what its claim asks of it.
func applySpec(host *baremetal.BareMetalHost, claim *baremetal.HostClaim) {
	host.Spec.Image = claim.Spec.Image.DeepCopy()
	host.Spec.CustomDeploy = claim.Spec.CustomDeploy.DeepCopy()
	host.Spec.Online = claim.Spec.PoweredOn
	if host.Namespace == claim.Namespace {
		// Secrets are read in the host's namespace: a claim's config drive goes along only
		// when it is the same one.
		host.Spec.UserData = claim.Spec.UserData.DeepCopy()
		host.Spec.NetworkData = claim.Spec.NetworkData.DeepCopy()
		host.Spec.MetaData = claim.Spec.MetaData.DeepCopy()
	}
}

// Sync carries the claim's spec to the hosts it holds (a claim updated); one GuaranteedUpdate
// per host that refuses a host the claim no longer holds, and writes nothing when the host
// already says it.
func (b *Binder) Sync(ctx context.Context, claim *baremetal.HostClaim) error {
	held, err := b.heldHosts(ctx, claim)
	if err != nil {
		return err
	}
	var errs []error
	for _, h := range held {
		_, _, err := b.hosts.Update(genericapirequest.WithNamespace(ctx, h.Namespace), h.Name,
			rest.DefaultUpdatedObjectInfo(nil, func(ctx context.Context, _, oldObj runtime.Object) (runtime.Object, error) {
				host := oldObj.(*baremetal.BareMetalHost).DeepCopy()
				if !heldBy(host, claim) {
					return nil, errNotHeld
				}
				applySpec(host, claim)
				return host, nil
			}),
			rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
		if err != nil && !errors.Is(err, errNotHeld) && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// heldHosts returns the hosts whose consumerRef names the claim, in every namespace.
func (b *Binder) heldHosts(ctx context.Context, claim *baremetal.HostClaim) ([]*baremetal.BareMetalHost, error) {
	list, err := b.hosts.List(genericapirequest.WithNamespace(ctx, ""), &metainternalversion.ListOptions{
		FieldSelector: fields.OneTermEqualSelector("spec.consumerRef.name", claim.Name)})
	if err != nil {
		return nil, err
	}
	var held []*baremetal.BareMetalHost
	for i := range list.(*baremetal.BareMetalHostList).Items {
		if h := &list.(*baremetal.BareMetalHostList).Items[i]; heldBy(h, claim) {
			held = append(held, h)
		}
	}
	return held, nil
}

// waiting is the Associated condition of a claim that holds no host.
func waiting(claim *baremetal.HostClaim, reason, message string) *metav1.Condition {
	return &metav1.Condition{Type: baremetal.HostClaimAssociatedCondition, Status: metav1.ConditionFalse,
		Reason: reason, Message: message, ObservedGeneration: claim.Generation}
}

// writeStatus records what the claim holds: host, or nothing and why (cond). It writes only
// when something changed, and refuses (errStatusRace) to replace a host the stored status
// names that is still held by the claim.
func (b *Binder) writeStatus(ctx context.Context, claim *baremetal.HostClaim, host *baremetal.BareMetalHost, cond *metav1.Condition) (*baremetal.HostClaim, error) {
	return b.writeStatusAgain(ctx, claim, host, cond, nil)
}

// writeStatusAgain is writeStatus that may overwrite the status naming gone, a host found no
// longer held by the claim.
func (b *Binder) writeStatusAgain(ctx context.Context, claim *baremetal.HostClaim, host *baremetal.BareMetalHost, cond *metav1.Condition, gone *baremetal.ObjectReference) (*baremetal.HostClaim, error) {
	if host != nil {
		cond = &metav1.Condition{Type: baremetal.HostClaimAssociatedCondition, Status: metav1.ConditionTrue,
			Reason: baremetal.HostClaimBareMetalHostAssociatedReason, ObservedGeneration: claim.Generation,
			Message: fmt.Sprintf("holds BareMetalHost %s/%s", host.Namespace, host.Name)}
	}
	raced := gone
	unchanged := false
	out, _, err := b.status.Update(ctx, claim.Name, rest.DefaultUpdatedObjectInfo(nil,
		func(ctx context.Context, _, oldObj runtime.Object) (runtime.Object, error) {
			c := oldObj.(*baremetal.HostClaim).DeepCopy()
			if c.UID != claim.UID {
				return nil, apierrors.NewNotFound(baremetal.Resource("hostclaims"), claim.Name)
			}
			before := c.Status.DeepCopy()
			// The stored status names another host (or one, where this write would say
			// none): it may be another binder's, just written. The first time, stop and look
			// at that host (below); if it no longer names the claim, overwrite.
			if cur := c.Status.BareMetalHost; cur != nil && (host == nil || cur.Namespace != host.Namespace || cur.Name != host.Name) {
				if raced == nil || raced.Namespace != cur.Namespace || raced.Name != cur.Name {
					raced = cur.DeepCopy()
					return nil, errStatusRace
				}
			}
			if host != nil {
				ref := &baremetal.ObjectReference{Namespace: host.Namespace, Name: host.Name}
				c.Status.BareMetalHost = ref
				c.Status.HardwareData = &baremetal.ObjectReference{Namespace: host.Namespace, Name: host.Name}
				c.Status.PoweredOn = host.Status.PoweredOn
			} else {
				c.Status.BareMetalHost = nil
				c.Status.HardwareData = nil
				c.Status.PoweredOn = false
			}
			meta.SetStatusCondition(&c.Status.Conditions, *cond)
			if apiequality.Semantic.DeepEqual(before, &c.Status) {
				unchanged = true
				return nil, errUnchanged
			}
			now := metav1.Now()
			c.Status.LastUpdated = &now
			return c, nil
		}), rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if unchanged {
		return claim, nil
	}
	if errors.Is(err, errStatusRace) && raced != nil {
		// The status names another host: if the claim still holds it, another binder won:
		// this one gives back the host it took (the caller), or, with none, leaves the
		// status as it is. If not (it was taken back), this write replaces it.
		still, gerr := b.hosts.Get(genericapirequest.WithNamespace(ctx, raced.Namespace), raced.Name, &metav1.GetOptions{})
		if gerr == nil && heldBy(still.(*baremetal.BareMetalHost), claim) {
			if host == nil {
				return b.claimNow(ctx, claim.Name)
			}
			return nil, errStatusRace
		}
		if gerr != nil && !apierrors.IsNotFound(gerr) {
			return nil, gerr
		}
		return b.writeStatusAgain(ctx, claim, host, cond, raced)
	}
	if err != nil {
		return nil, err
	}
	return out.(*baremetal.HostClaim), nil
}

var errUnchanged = errors.New("unchanged")

// Release returns the hosts a claim holds to the pool (a claim deleted).
func (b *Binder) Release(ctx context.Context, claim *baremetal.HostClaim) error {
	held, err := b.heldHosts(ctx, claim)
	if err != nil {
		return err
	}
	var errs []error
	for _, h := range held {
		if err := b.releaseHost(ctx, h, claim); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// releaseHost clears, in one GuaranteedUpdate that refuses unless the host is still held by
// the claim, what binding recorded: the consumerRef, the image or custom deploy (so the
// reconciler deprovisions the host, cleaning it, back to available) and the config drive the
// claim brought.
func (b *Binder) releaseHost(ctx context.Context, h *baremetal.BareMetalHost, claim *baremetal.HostClaim) error {
	_, _, err := b.hosts.Update(genericapirequest.WithNamespace(ctx, h.Namespace), h.Name,
		rest.DefaultUpdatedObjectInfo(nil, func(ctx context.Context, _, oldObj runtime.Object) (runtime.Object, error) {
			host := oldObj.(*baremetal.BareMetalHost).DeepCopy()
			if !heldBy(host, claim) {
				return nil, errNotHeld
			}
			host.Spec.ConsumerRef = nil
			host.Spec.Image = nil
			host.Spec.CustomDeploy = nil
			if host.Namespace == claim.Namespace {
				if apiequality.Semantic.DeepEqual(host.Spec.UserData, claim.Spec.UserData) {
					host.Spec.UserData = nil
				}
				if apiequality.Semantic.DeepEqual(host.Spec.NetworkData, claim.Spec.NetworkData) {
					host.Spec.NetworkData = nil
				}
				if apiequality.Semantic.DeepEqual(host.Spec.MetaData, claim.Spec.MetaData) {
					host.Spec.MetaData = nil
				}
			}
			return host, nil
		}),
		rest.ValidateAllObjectFunc, rest.ValidateAllObjectUpdateFunc, false, &metav1.UpdateOptions{})
	if errors.Is(err, errNotHeld) || apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

// checkNamespace refuses (403, with the reason) a claim asking for another namespace's hosts
// that no HostDeployPolicy there allows.
func (b *Binder) checkNamespace(ctx context.Context, claim *baremetal.HostClaim) error {
	in := claim.Spec.HostSelector.InNamespace
	if in == "" || in == claim.Namespace {
		return nil
	}
	_, refusal, err := b.namespaces(ctx, claim)
	if err != nil {
		return err
	}
	if refusal != "" {
		return apierrors.NewForbidden(baremetal.Resource("hostclaims"), claim.Name, errors.New(refusal))
	}
	return nil
}

// namespaces returns where the claim may take a host: spec.hostSelector.inNamespace if it
// may, else its own namespace and those whose HostDeployPolicy allows its namespace. A
// refusal says why an inNamespace is not allowed.
func (b *Binder) namespaces(ctx context.Context, claim *baremetal.HostClaim) ([]string, string, error) {
	in := claim.Spec.HostSelector.InNamespace
	if in == claim.Namespace {
		return []string{in}, "", nil
	}
	list, err := b.policies.List(genericapirequest.WithNamespace(ctx, in), &metainternalversion.ListOptions{})
	if err != nil {
		return nil, "", err
	}
	allowed := map[string]bool{}
	if in == "" {
		allowed[claim.Namespace] = true
	}
	var nsLabels map[string]string
	if b.namespaceLabels != nil {
		nsLabels, _ = b.namespaceLabels(claim.Namespace)
	}
	for i := range list.(*baremetal.HostDeployPolicyList).Items {
		p := &list.(*baremetal.HostDeployPolicyList).Items[i]
		if PolicyAllows(p, claim.Namespace, nsLabels) {
			allowed[p.Namespace] = true
		}
	}
	if in != "" && !allowed[in] {
		return nil, fmt.Sprintf("no HostDeployPolicy in namespace %q allows HostClaims from namespace %q", in, claim.Namespace), nil
	}
	out := make([]string, 0, len(allowed))
	for ns := range allowed {
		out = append(out, ns)
	}
	slices.Sort(out)
	return out, "", nil
}

// NamespaceLabels returns the labels of a Namespace, false when it is not known (a standalone
// server has no Namespaces; behind kube-apiserver they come from its informer).
type NamespaceLabels func(name string) (map[string]string, bool)

// PolicyAllows says whether a HostDeployPolicy lets claims of namespace ns, labelled
// nsLabels, in, as Metal3 decides it: every constraint given must hold (each label of
// hasLabels present, with its value when one is given); a policy without hostClaimNamespaces
// allows nobody. A namespace whose labels are not known has none.
func PolicyAllows(p *baremetal.HostDeployPolicy, ns string, nsLabels map[string]string) bool {
	c := p.Spec.HostClaimNamespaces
	if c == nil {
		return false
	}
	for _, l := range c.HasLabels {
		v, ok := nsLabels[l.Name]
		if !ok || (l.Value != "" && v != l.Value) {
			return false
		}
	}
	if len(c.Names) > 0 && !slices.Contains(c.Names, ns) {
		return false
	}
	if c.NameMatches != "" {
		re, err := regexp.Compile(c.NameMatches)
		if err != nil || !re.MatchString(ns) {
			return false
		}
	}
	return true
}

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

package integration

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/metal3-community/baremetal-apiserver/pkg/apis/baremetal/v1alpha1"
	clientset "github.com/metal3-community/baremetal-apiserver/pkg/generated/clientset/versioned"
	"github.com/metal3-community/baremetal-apiserver/test/framework"
)

// TestPreprovisioningImagesOnIronic: Metal3's --build-preprov-image through the server on a
// real Ironic with fake-hardware hosts. With the default image provider (the configured agent
// kernel and ramdisk) hosts get PreprovisioningImages, which it makes Ready, and register,
// inspect and become available with the image in their nodes' driver_info. Without it the test
// is the external image builder: hosts wait, unregistered, until it writes the status; an Error
// is a registration error; a rebuilt image reaches driver_info before the next step.
func TestPreprovisioningImagesOnIronic(t *testing.T) {
	ironic := framework.StartIronic(t)
	images := imageServer(t)
	view := ironicView{endpoint: strings.TrimSuffix(ironic.Endpoint, "/"), client: &http.Client{Timeout: 10 * time.Second}}
	server := func(t *testing.T, extraArgs ...string) (*framework.Server, clientset.Interface) {
		args := append([]string{
			"--provisioner=ironic", "--ironic-endpoint=" + ironic.Endpoint, "--ironic-poll-interval=200ms",
			"--allow-test-bmc-schemes", "--power-poll-interval=2s",
			"--error-backoff-base=200ms", "--error-backoff-cap=2s", "--build-preprov-image",
		}, extraArgs...)
		srv := framework.StartStandalone(t, serverBin, t.TempDir(), args...)
		return srv, srv.Clientset(t)
	}
	deployKeys := func(t *testing.T, h *v1alpha1.BareMetalHost) map[string]any {
		t.Helper()
		info, _ := view.node(t, h.Status.Provisioning.ID)["driver_info"].(map[string]any)
		out := map[string]any{}
		for _, k := range []string{"deploy_kernel", "deploy_ramdisk", "deploy_iso", "kernel_append_params"} {
			if v, ok := info[k]; ok {
				out[k] = v
			}
		}
		return out
	}

	t.Run("default provider", func(t *testing.T) {
		kernel, ramdisk := images+"/ipa.kernel", images+"/ipa.initramfs"
		srv, cs := server(t, "--ironic-deploy-kernel="+kernel, "--ironic-deploy-ramdisk="+ramdisk)
		ctx := ctxFor(t)
		hosts, ppimgs := cs.BaremetalV1alpha1().BareMetalHosts(ns), cs.BaremetalV1alpha1().PreprovisioningImages(ns)
		start := time.Now()
		for i := 0; i < 3; i++ {
			h := fakeHost(i)
			writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "pw")
			if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		list := waitAll(t, cs, "available", 2*time.Minute, inState(v1alpha1.StateAvailable))
		t.Logf("3 hosts available through their PreprovisioningImages in %s", time.Since(start).Round(time.Millisecond))
		for i := range list {
			h := &list[i]
			img, err := ppimgs.Get(ctx, h.Name, metav1.GetOptions{})
			if err != nil {
				t.Fatalf("%s: no PreprovisioningImage: %v", h.Name, err)
			}
			if ref := metav1.GetControllerOf(img); ref == nil || ref.UID != h.UID {
				t.Errorf("%s: image owners %+v", h.Name, img.OwnerReferences)
			}
			if fmt.Sprint(img.Spec.AcceptFormats) != "[initrd]" || img.Spec.Architecture == "" {
				t.Errorf("%s: image spec %+v, want initrd (fake-hardware boots no ISO) and an architecture", h.Name, img.Spec)
			}
			if !meta.IsStatusConditionTrue(img.Status.Conditions, string(v1alpha1.ConditionImageReady)) ||
				img.Status.ImageURL != ramdisk || img.Status.KernelURL != kernel || img.Status.Format != v1alpha1.ImageFormatInitRD {
				t.Errorf("%s: image status %+v, want the configured ramdisk, Ready", h.Name, img.Status)
			}
			want := map[string]any{"deploy_kernel": kernel, "deploy_ramdisk": ramdisk}
			if got := deployKeys(t, h); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s: node driver_info %v, want %v", h.Name, got, want)
			}
		}
		out, err := srv.Kubectl(t, kubectlBin, "get", "ppimg")
		if err != nil || !strings.Contains(out, list[0].Name) {
			t.Errorf("kubectl get ppimg: %v\n%s", err, out)
		}

		// Deleted with their hosts: a standalone server has no garbage collector.
		for _, h := range list {
			if err := hosts.Delete(ctx, h.Name, metav1.DeleteOptions{}); err != nil {
				t.Fatal(err)
			}
		}
		err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			l, err := ppimgs.List(ctx, metav1.ListOptions{})
			hl, herr := hosts.List(ctx, metav1.ListOptions{})
			return err == nil && herr == nil && len(l.Items) == 0 && len(hl.Items) == 0, nil
		})
		if err != nil {
			t.Errorf("hosts and PreprovisioningImages not all gone: %v", err)
		}
	})

	t.Run("external builder", func(t *testing.T) {
		// A kernel alone: no default provider (Metal3's rule), the kernel is for initrd images
		// built without one.
		kernel := images + "/ipa.kernel"
		srv, cs := server(t, "--ironic-deploy-kernel="+kernel)
		ctx := ctxFor(t)
		hosts, ppimgs := cs.BaremetalV1alpha1().BareMetalHosts(ns), cs.BaremetalV1alpha1().PreprovisioningImages(ns)
		h := fakeHost(10)
		h.Labels = map[string]string{"rack": "r7"}
		writeCredentials(t, srv, h.Spec.BMC.CredentialsName, "admin", "pw")
		if _, err := hosts.Create(ctx, h, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		img := waitImage(t, ctx, cs, h.Name, func(*v1alpha1.PreprovisioningImage) bool { return true })
		if img.Labels["rack"] != "r7" {
			t.Errorf("image labels %v, want the host's", img.Labels)
		}
		// The host waits, unregistered, saying why.
		var waiting *v1alpha1.BareMetalHost
		err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			got, err := hosts.Get(ctx, h.Name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			waiting = got
			c := meta.FindStatusCondition(got.Status.Conditions, v1alpha1.ConditionProgressing)
			return c != nil && strings.Contains(c.Message, "waiting for PreprovisioningImage "+ns+"/"+h.Name), nil
		})
		if err != nil {
			t.Fatalf("the host never said it waits for its image: %+v", waiting.Status)
		}
		if got := waiting.Status; got.Provisioning.State != v1alpha1.StateRegistering || got.Provisioning.ID != "" {
			t.Errorf("host %s/%q while its image is not built, want registering with no Ironic node", got.Provisioning.State, got.Provisioning.ID)
		}
		if _, ok := ironicNodes(t, ironic.Endpoint)[ns+"~"+h.Name]; ok {
			t.Error("registered in Ironic before its image was built")
		}

		// The builder fails: a registration error naming the image.
		build(t, ctx, cs, h.Name, func(img *v1alpha1.PreprovisioningImage) {
			setImageConditions(img, false, "ImageBuildInvalid", "the builder ran out of disk")
		})
		waitHost(t, ctx, cs, h.Name, "a registration error naming its image", func(got *v1alpha1.BareMetalHost) bool {
			return got.Status.ErrorType == v1alpha1.RegistrationError && strings.Contains(got.Status.ErrorMessage, "PreprovisioningImage "+ns+"/"+h.Name) &&
				strings.Contains(got.Status.ErrorMessage, "ran out of disk")
		})

		// Built: registered with it, and on to available.
		const built, builtKernel = "/built/h10-v1.initramfs", "/built/h10.kernel"
		build(t, ctx, cs, h.Name, func(img *v1alpha1.PreprovisioningImage) {
			img.Status.ImageURL, img.Status.KernelURL, img.Status.ExtraKernelParams = images+built, images+builtKernel, "console=ttyS0"
			img.Status.Format, img.Status.Architecture = v1alpha1.ImageFormatInitRD, img.Spec.Architecture
			setImageConditions(img, true, "ImageSuccess", "Generated image")
		})
		avail := waitHost(t, ctx, cs, h.Name, "available", func(got *v1alpha1.BareMetalHost) bool {
			return got.Status.Provisioning.State == v1alpha1.StateAvailable
		})
		if avail.Status.ErrorType != "" {
			t.Errorf("error %s %q left after the image was built", avail.Status.ErrorType, avail.Status.ErrorMessage)
		}
		want := map[string]any{"deploy_kernel": images + builtKernel, "deploy_ramdisk": images + built, "kernel_append_params": "%default% console=ttyS0"}
		if got := deployKeys(t, avail); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("node driver_info %v, want %v", got, want)
		}

		// Built again, an initrd without a kernel of its own: the configured kernel, in
		// driver_info before the deploy boots the agent.
		const rebuilt = "/built/h10-v2.initramfs"
		build(t, ctx, cs, h.Name, func(img *v1alpha1.PreprovisioningImage) {
			img.Status.ImageURL, img.Status.KernelURL, img.Status.ExtraKernelParams = images+rebuilt, "", ""
		})
		patch := []byte(`{"spec":{"image":{"url":"` + images + `/os.qcow2","checksum":"0123456789abcdef0123456789abcdef","checksumType":"md5"}}}`)
		if _, err := hosts.Patch(ctx, h.Name, "application/merge-patch+json", patch, metav1.PatchOptions{}); err != nil {
			t.Fatal(err)
		}
		prov := waitHost(t, ctx, cs, h.Name, "provisioned", func(got *v1alpha1.BareMetalHost) bool {
			return got.Status.Provisioning.State == v1alpha1.StateProvisioned
		})
		want = map[string]any{"deploy_kernel": kernel, "deploy_ramdisk": images + rebuilt}
		if got := deployKeys(t, prov); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("node driver_info after the rebuild %v, want %v", got, want)
		}

		if err := hosts.Delete(ctx, h.Name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		err = wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
			_, err := ppimgs.Get(ctx, h.Name, metav1.GetOptions{})
			return apierrors.IsNotFound(err), nil
		})
		if err != nil {
			t.Errorf("PreprovisioningImage left after its host: %v", err)
		}
	})
}

// waitImage waits for the PreprovisioningImage name to satisfy cond.
func waitImage(t *testing.T, ctx context.Context, cs clientset.Interface, name string, cond func(*v1alpha1.PreprovisioningImage) bool) *v1alpha1.PreprovisioningImage {
	t.Helper()
	var img *v1alpha1.PreprovisioningImage
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		got, err := cs.BaremetalV1alpha1().PreprovisioningImages(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		img = got
		return cond(got), nil
	})
	if err != nil {
		t.Fatalf("PreprovisioningImage %s: %v (last %+v)", name, err, img)
	}
	return img
}

// waitHost waits for the host name to satisfy cond.
func waitHost(t *testing.T, ctx context.Context, cs clientset.Interface, name, what string, cond func(*v1alpha1.BareMetalHost) bool) *v1alpha1.BareMetalHost {
	t.Helper()
	var h *v1alpha1.BareMetalHost
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		got, err := cs.BaremetalV1alpha1().BareMetalHosts(ns).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		h = got
		return cond(got), nil
	})
	if err != nil {
		t.Fatalf("host %s never %s: %+v", name, what, h.Status)
	}
	return h
}

// build writes the image's status as an external image builder does, retrying conflicts.
func build(t *testing.T, ctx context.Context, cs clientset.Interface, name string, mutate func(*v1alpha1.PreprovisioningImage)) {
	t.Helper()
	api := cs.BaremetalV1alpha1().PreprovisioningImages(ns)
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		img, err := api.Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		mutate(img)
		_, err = api.UpdateStatus(ctx, img, metav1.UpdateOptions{})
		if apierrors.IsConflict(err) {
			return false, nil
		}
		return err == nil, err
	})
	if err != nil {
		t.Fatalf("writing the status of PreprovisioningImage %s: %v", name, err)
	}
}

// setImageConditions sets Ready and Error as Metal3's image builders do, for the image's
// generation.
func setImageConditions(img *v1alpha1.PreprovisioningImage, ready bool, reason, msg string) {
	readyStatus, errStatus, readyMsg, errMsg := metav1.ConditionFalse, metav1.ConditionTrue, "", msg
	if ready {
		readyStatus, errStatus, readyMsg, errMsg = metav1.ConditionTrue, metav1.ConditionFalse, msg, ""
	}
	now := metav1.Now()
	meta.SetStatusCondition(&img.Status.Conditions, metav1.Condition{Type: string(v1alpha1.ConditionImageReady), Status: readyStatus,
		Reason: reason, Message: readyMsg, ObservedGeneration: img.Generation, LastTransitionTime: now})
	meta.SetStatusCondition(&img.Status.Conditions, metav1.Condition{Type: string(v1alpha1.ConditionImageError), Status: errStatus,
		Reason: reason, Message: errMsg, ObservedGeneration: img.Generation, LastTransitionTime: now})
}

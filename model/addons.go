package model

// The Helm releases hlcgen installs on the cluster itself. The Kubernetes
// generator names them with these constants and validation refuses a
// helm_release that would collide with one, so the two cannot drift apart.
const (
	// Cilium: k3s' helm-controller installs the HelmChart "cilium" as the
	// release "cilium" in its targetNamespace.
	CiliumRelease   = "cilium"
	CiliumNamespace = "kube-system"
	// Flux: the HelmChart "flux" installs the release "flux".
	FluxRelease   = "flux"
	FluxNamespace = "flux-system"
	// Rook's operator: the release "rook-ceph" in rook-ceph, installed by a
	// Flux HelmRelease object "rook-ceph" in flux-system, or without Flux
	// by a k3s HelmChart.
	RookRelease   = "rook-ceph"
	RookNamespace = "rook-ceph"
)

// ReservedRelease is a (namespace, name) pair hlcgen uses for a Helm release
// or a Flux HelmRelease object of its own.
type ReservedRelease struct {
	Namespace, Name string
	// What says what hlcgen installs there, for a diagnostic.
	What string
}

// ReservedHelmReleases lists the Helm releases and Flux HelmRelease objects
// hlcgen creates for this cluster. A user's helm_release with the same
// namespace and name would make two controllers fight over one release
// (Flux names a HelmRelease's Helm release after the object, in the
// object's namespace, unless told otherwise).
func (c *Cluster) ReservedHelmReleases() []ReservedRelease {
	out := []ReservedRelease{{CiliumNamespace, CiliumRelease, "hlcgen installs Cilium as the Helm release \"cilium\" in kube-system, through k3s' HelmChart"}}
	if c.Flux != nil {
		out = append(out, ReservedRelease{FluxNamespace, FluxRelease, "hlcgen installs Flux as the Helm release \"flux\" in flux-system, through k3s' HelmChart"})
	}
	if c.Ceph != nil {
		out = append(out, ReservedRelease{RookNamespace, RookRelease, "hlcgen installs the Rook operator as the Helm release \"rook-ceph\" in rook-ceph"})
		if c.Flux != nil {
			out = append(out, ReservedRelease{FluxNamespace, RookRelease, "hlcgen installs the Rook operator with a Flux HelmRelease \"rook-ceph\" in flux-system"})
		}
	}
	return out
}

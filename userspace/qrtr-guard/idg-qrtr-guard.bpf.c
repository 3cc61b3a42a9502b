// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The QRTR guard: a BPF LSM program that keeps QRTR (AF_QIPCRTR) data
 * between the modem's services and every process but the trusted ones
 * (the broker, idguardd, and any unit an integrator trusts the same way).
 *
 * QRTR lets any process open a socket and talk to the modem's QMI services
 * with no capability; systemd's RestrictAddressFamilies covers units only.
 * This covers every process. What QRTR allows (net/qrtr/af_qrtr.c, 6.1):
 * a datagram is sent to (node, port) with sendto/sendmsg, or to the peer
 * set with connect(); it is queued on the receiving socket with
 * sock_queue_rcv_skb(), which calls the sock_rcv_skb hook with the sender
 * in skb->cb (struct qrtr_cb). The name service (in the kernel, on port
 * QRTR_PORT_CTRL) answers lookups from there. So:
 *
 *  - socket_post_create marks every userspace QRTR socket: TRUSTED when its
 *    creator's cgroup is in trusted_cgroups, else GUARDED. Kernel sockets
 *    (the name service) and sockets older than the guard carry no mark.
 *  - A GUARDED socket may send to, connect to and receive from the control
 *    port only: name-service lookups (libqrtr's QrtrBus, ModemManager's
 *    node discovery) work, QMI requests and answers do not.
 *  - A TRUSTED socket is used by trusted tasks only (a descriptor passed
 *    or stolen out of the broker reads nothing).
 *
 * Trust is a cgroup id (bpf_get_current_cgroup_id): the cgroup systemd
 * made for the unit this time it started; a pid can be reused, an
 * executable copied or run by anyone, but only root moves a process into
 * another unit's cgroup. docs/threat-model.md has the reasoning.
 *
 * Types come from the running kernel's BTF (CO-RE): the few fields used
 * are declared below with preserve_access_index, no vmlinux.h needed.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

#define IDG_AF_QIPCRTR 42
#define IDG_QRTR_PORT_CTRL 0xfffffffeu
#define IDG_EPERM 1

enum {
	IDG_SOCK_GUARDED = 1,
	IDG_SOCK_TRUSTED = 2,
};

struct sock_common {
	unsigned short skc_family;
} __attribute__((preserve_access_index));

struct sock {
	struct sock_common __sk_common;
} __attribute__((preserve_access_index));

struct socket {
	struct sock *sk;
} __attribute__((preserve_access_index));

struct msghdr {
	void *msg_name;
} __attribute__((preserve_access_index));

struct sockaddr;

struct sk_buff {
	char cb[48];
} __attribute__((preserve_access_index));

/* include/uapi/linux/qrtr.h and the head of net/qrtr/af_qrtr.c's qrtr_cb */
struct idg_sockaddr_qrtr {
	__u16 sq_family;
	__u32 sq_node;
	__u32 sq_port;
};

struct idg_qrtr_cb {
	__u32 src_node;
	__u32 src_port;
};

/* Filled by `idguard-qrtr-guard trust` (ExecStartPre=+ of idguardd). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u64);
	__type(value, __u32);
} trusted_cgroups SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_SK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u32);
} qrtr_marks SEC(".maps");

/* Refusals, for `idguard-qrtr-guard status` (per-CPU, no identities). */
enum {
	IDG_COUNT_SEND,
	IDG_COUNT_CONNECT,
	IDG_COUNT_RECEIVE,
	IDG_COUNT_STOLEN,
	IDG_COUNT_MAX,
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, IDG_COUNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} refusals SEC(".maps");

static __always_inline int
refuse(__u32 what)
{
	__u64 *count = bpf_map_lookup_elem(&refusals, &what);

	if (count)
		*count += 1;
	return -IDG_EPERM;
}

static __always_inline int
current_trusted(void)
{
	__u64 id = bpf_get_current_cgroup_id();

	return bpf_map_lookup_elem(&trusted_cgroups, &id) != NULL;
}

static __always_inline __u32
mark_of(struct sock *sk)
{
	__u32 *mark;

	if (!sk || sk->__sk_common.skc_family != IDG_AF_QIPCRTR)
		return 0;
	mark = bpf_sk_storage_get(&qrtr_marks, sk, 0, 0);
	return mark ? *mark : 0;
}

/* The port of a sockaddr_qrtr in kernel memory (the syscall's copy). */
static __always_inline __u32
port_of(const void *addr)
{
	struct idg_sockaddr_qrtr sq = {};

	if (!addr || bpf_probe_read_kernel(&sq, sizeof(sq), addr))
		return 0;
	return sq.sq_port;
}

SEC("lsm/socket_post_create")
int BPF_PROG(idg_qrtr_post_create, struct socket *sock, int family, int type,
	     int protocol, int kern)
{
	struct sock *sk;
	__u32 *mark;

	if (family != IDG_AF_QIPCRTR || kern)
		return 0;
	sk = sock->sk;
	if (!sk)
		return -IDG_EPERM;
	mark = bpf_sk_storage_get(&qrtr_marks, sk, 0,
				  BPF_SK_STORAGE_GET_F_CREATE);
	/* fail closed: a socket that cannot be marked is not made */
	if (!mark)
		return -IDG_EPERM;
	*mark = current_trusted() ? IDG_SOCK_TRUSTED : IDG_SOCK_GUARDED;
	return 0;
}

SEC("lsm/socket_sendmsg")
int BPF_PROG(idg_qrtr_sendmsg, struct socket *sock, struct msghdr *msg,
	     int size)
{
	__u32 mark = mark_of(sock->sk);
	void *name;

	if (mark == IDG_SOCK_TRUSTED)
		return current_trusted() ? 0 : refuse(IDG_COUNT_STOLEN);
	if (mark != IDG_SOCK_GUARDED)
		return 0;
	name = BPF_CORE_READ(msg, msg_name);
	/* no address: the connected peer, which connect() kept to CTRL */
	if (!name)
		return 0;
	return port_of(name) == IDG_QRTR_PORT_CTRL ? 0 : refuse(IDG_COUNT_SEND);
}

SEC("lsm/socket_connect")
int BPF_PROG(idg_qrtr_connect, struct socket *sock, struct sockaddr *address,
	     int addrlen)
{
	__u32 mark = mark_of(sock->sk);

	if (mark == IDG_SOCK_TRUSTED)
		return current_trusted() ? 0 : refuse(IDG_COUNT_STOLEN);
	if (mark != IDG_SOCK_GUARDED)
		return 0;
	if (addrlen < (int)sizeof(struct idg_sockaddr_qrtr))
		return refuse(IDG_COUNT_CONNECT);
	return port_of(address) == IDG_QRTR_PORT_CTRL ?
		0 : refuse(IDG_COUNT_CONNECT);
}

SEC("lsm/socket_recvmsg")
int BPF_PROG(idg_qrtr_recvmsg, struct socket *sock, struct msghdr *msg,
	     int size, int flags)
{
	if (mark_of(sock->sk) == IDG_SOCK_TRUSTED && !current_trusted())
		return refuse(IDG_COUNT_STOLEN);
	return 0;
}

/* In the sender's context (a process, or the endpoint's softirq). */
SEC("lsm/socket_sock_rcv_skb")
int BPF_PROG(idg_qrtr_rcv_skb, struct sock *sk, struct sk_buff *skb)
{
	struct idg_qrtr_cb cb = {};

	if (mark_of(sk) != IDG_SOCK_GUARDED)
		return 0;
	if (bpf_probe_read_kernel(&cb, sizeof(cb), &skb->cb))
		return refuse(IDG_COUNT_RECEIVE);
	return cb.src_port == IDG_QRTR_PORT_CTRL ? 0 : refuse(IDG_COUNT_RECEIVE);
}

char LICENSE[] SEC("license") = "GPL";

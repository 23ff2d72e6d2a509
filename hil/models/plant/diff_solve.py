"""The driveline below the gearbox: output shaft, centre and axle diffs, four wheels, the brakes
and the diff clutches, one linearly implicit substep with stick-slip friction.

Diff coordinates q = (c, dc, df, dr), all rad/s:
  c   gearbox output shaft speed (= the centre diff's carrier, prop units)
  dc  centre diff half-difference: front prop = c + dc, rear prop = c - dc
  df  front axle half-difference: FL = (c + dc)/i + df, FR = (c + dc)/i - df   (i: final drive)
  dr  rear axle half-difference:  RL = (c - dc)/i + dr, RR = (c - dc)/i - dr
In these coordinates the wheel inertias are diagonal per wheel and each diff clutch acts on one
coordinate. Tyre slope, brakes and clutches are stiff, so the wheels' momentum balance is solved
implicitly in q: K·q_new = b, K symmetric positive definite.

Friction elements (index: element, the speed it acts on): 0-3 service/hand brakes on FL FR RL RR
(wheel speeds), 4 centre coupling (dc), 5 front LSD (df), 6 rear LSD (dr). Each is stuck
(a stiff damper holding its speed near zero) or slipping (a constant torque against the slip
direction); a solve pass that changes any state is repeated (at most STICK_PASSES times).
"""

from __future__ import annotations

STICK_NS_PER_RAD = 1.0e6  # damping standing in for a stuck brake/clutch (Nm per rad/s)
PARK_FACTOR = 100.0  # the parking pawl: a hundred stuck clutches on the output shaft
STICK_PASSES = 4
ELEMENTS = 7


def solve4(  # noqa: PLR0917 - unrolled hot-path solve: positional floats, no tuples
    k00: float, k01: float, k02: float, k03: float, k11: float, k12: float, k13: float,
    k22: float, k23: float, k33: float,
    b0: float, b1: float, b2: float, b3: float,
) -> tuple[float, float, float, float]:
    """x with K·x = b for a symmetric positive-definite 4x4 K (upper triangle k_ij), unrolled
    Gaussian elimination without pivoting (K is diagonally dominant enough not to need it)."""
    l10 = k01 / k00  # l_ij: elimination multiplier of row i by pivot row j
    l20 = k02 / k00
    l30 = k03 / k00
    a11 = k11 - l10 * k01  # a_ij: K's entries after eliminating column 0
    a12 = k12 - l10 * k02
    a13 = k13 - l10 * k03
    a22 = k22 - l20 * k02
    a23 = k23 - l20 * k03
    a33 = k33 - l30 * k03
    y1 = b1 - l10 * b0  # y_i: right-hand side after the same eliminations
    y2 = b2 - l20 * b0
    y3 = b3 - l30 * b0
    l21 = a12 / a11
    l31 = a13 / a11
    a22 -= l21 * a12
    a23 -= l21 * a13
    a33 -= l31 * a13
    y2 -= l21 * y1
    y3 -= l31 * y1
    l32 = a23 / a22
    a33 -= l32 * a23
    y3 -= l32 * y2
    x3 = y3 / a33  # back substitution
    x2 = (y2 - a23 * x3) / a22
    x1 = (y1 - a12 * x2 - a13 * x3) / a11
    x0 = (b0 - k01 * x1 - k02 * x2 - k03 * x3) / k00
    return x0, x1, x2, x3


class DiffSolve:
    """State: the four diff coordinates and each friction element's stick/slip state."""

    def __init__(self) -> None:
        self.c = self.dc = self.df = self.dr = 0.0
        self.stuck = [True] * ELEMENTS
        self.slip_sign = [1.0] * ELEMENTS  # direction of slip while slipping
        # this node step's constants (set by `begin_step`)
        self._a = 1.0  # 1 / final drive: prop speed -> wheel speed
        self._h = 0.0
        self._wheel_inertia = 1.0
        self._prop_inertia2 = 0.0  # both props' inertia (acts on c and on dc alike)
        self._radius_m = 1.0
        self._park = False
        self._capacity_nm = [0.0] * ELEMENTS  # torque each friction element carries while slipping
        self._stick_damping = STICK_NS_PER_RAD  # stuck element's damping times the substep, Nm·s per rad/s
        # per-wheel row of the momentum balance (k_i·w_new = b_i), rebuilt every substep
        self._row_k = [0.0] * 4
        self._row_b = [0.0] * 4

    def begin_step(self, *, final_drive: float, h: float, wheel_inertia: float, prop_inertia: float,
                   radius_m: float, capacity_nm: list[float], park: bool) -> None:
        self._a = 1.0 / final_drive
        self._h = h
        self._wheel_inertia = wheel_inertia
        self._prop_inertia2 = 2.0 * prop_inertia
        self._radius_m = radius_m
        self._capacity_nm = capacity_nm
        self._park = park
        self._stick_damping = STICK_NS_PER_RAD * h

    def wheel_speeds(self, a: float) -> tuple[float, float, float, float]:
        """FL, FR, RL, RR in rad/s (signed); `a` = 1 / final drive."""
        cf, cr = a * (self.c + self.dc), a * (self.c - self.dc)
        return cf + self.df, cf - self.df, cr + self.dr, cr - self.dr

    def _clutch(self, j: int, k: float, b: float) -> tuple[float, float]:
        """Add diff clutch `j` to its coordinate's row: a stiff damper if stuck, a constant torque if slipping."""
        cap = self._capacity_nm[j]
        if cap > 0.0:
            if self.stuck[j]:
                k += self._stick_damping
            else:
                b -= self._h * cap * self.slip_sign[j]
        return k, b

    def _wheel_rows(self, w: tuple[float, float, float, float], force_n: list[float], dforce_dw: list[float],
                    braked_only: bool) -> None:
        """Each wheel's momentum balance with its tyre force linearised in ω and its brake:
        J·(ω' − ω) = −h·r·(F + dF/dω·(ω' − ω)) + brake impulse, as the row k_i·ω' = b_i."""
        h, jw, r = self._h, self._wheel_inertia, self._radius_m
        for i in range(4):
            brake_nm = self._capacity_nm[i]
            if braked_only and brake_nm <= 0.0:
                continue
            wi = w[i]
            d_i = dforce_dw[i] * r  # tyre damping on the wheel, Nm per rad/s
            k_i = jw + h * d_i
            b_i = jw * wi + h * (d_i * wi - r * force_n[i])
            if brake_nm > 0.0:
                if self.stuck[i]:
                    k_i += self._stick_damping
                else:
                    b_i -= h * brake_nm * self.slip_sign[i]
            self._row_k[i] = k_i
            self._row_b[i] = b_i

    def solve(self, w: tuple[float, float, float, float], force_n: list[float], dforce_dw: list[float],
              output_nm: float, output_inertia: float) -> tuple[float, ...]:
        """One substep from wheel speeds `w` with tyre forces (and slopes) there, the gearbox's
        torque on the output shaft and the inertia it reflects onto it. Advances q; returns the new
        wheel speeds and the three diff coordinates (the friction elements' speeds, in order)."""
        self._wheel_rows(w, force_n, dforce_dw, braked_only=False)
        output_b = output_inertia * self.c + self._h * output_nm
        park_damping = self._stick_damping * PARK_FACTOR if self._park else 0.0
        speeds: tuple[float, ...] = ()
        for _pass in range(STICK_PASSES):
            nc, ndc, ndf, ndr = self._solve_q(output_b, output_inertia, park_damping)
            a = self._a
            ncf, ncr = a * (nc + ndc), a * (nc - ndc)
            speeds = (ncf + ndf, ncf - ndf, ncr + ndr, ncr - ndr, ndc, ndf, ndr)
            if not self._update_friction(speeds):
                break
            # a brake changed state: its wheel's row changes (a clutch's enters in _solve_q)
            self._wheel_rows(w, force_n, dforce_dw, braked_only=True)
        self.c, self.dc, self.df, self.dr = nc, ndc, ndf, ndr
        return speeds

    def _solve_q(self, output_b: float, output_inertia: float, park_damping: float,
                 ) -> tuple[float, float, float, float]:
        """Assemble K and b from the wheel rows, the props and the diff clutches; solve for q_new."""
        a, jp2 = self._a, self._prop_inertia2
        a2 = a * a
        k0, k1, k2, k3 = self._row_k  # wheel rows (FL, FR, RL, RR), Nm·s per rad/s
        b0, b1, b2, b3 = self._row_b  # wheel rows' momentum, Nm·s
        s01, t01, s23, t23 = k0 + k1, k0 - k1, k2 + k3, k2 - k3  # front/rear row sums and differences
        k_cc = a2 * (s01 + s23) + output_inertia + jp2 + park_damping  # K[c][c]
        k_dd = a2 * (s01 + s23) + jp2  # K[dc][dc]
        b_c = a * (b0 + b1 + b2 + b3) + output_b + jp2 * self.c  # b[c]
        b_d = a * (b0 + b1 - b2 - b3) + jp2 * self.dc  # b[dc]
        k_dd, b_d = self._clutch(4, k_dd, b_d)  # centre coupling on dc
        k_ff, b_f = self._clutch(5, s01, b0 - b1)  # front LSD on df: K[df][df], b[df]
        k_rr, b_r = self._clutch(6, s23, b2 - b3)  # rear LSD on dr: K[dr][dr], b[dr]
        # off-diagonal: K[c][dc] = a²(front - rear), K[c][df] = K[dc][df] = a·t01,
        # K[c][dr] = a·t23 = -K[dc][dr], K[df][dr] = 0 (the axles only meet through c and dc)
        return solve4(k_cc, a2 * (s01 - s23), a * t01, a * t23, k_dd, a * t01, -a * t23,
                      k_ff, 0.0, k_rr, b_c, b_d, b_f, b_r)

    def _update_friction(self, speeds: tuple[float, ...]) -> bool:
        """Stick/slip transitions from the solved element speeds; True if any element changed."""
        changed = False
        for j in range(ELEMENTS):
            cap = self._capacity_nm[j]
            if cap <= 0.0:
                continue
            x = speeds[j]
            if self.stuck[j]:
                # the stuck damper would need more than the element's capacity: it breaks loose
                if STICK_NS_PER_RAD * (x if x > 0.0 else -x) > cap:
                    self.stuck[j] = False
                    self.slip_sign[j] = 1.0 if x > 0.0 else -1.0
                    changed = True
            elif x * self.slip_sign[j] <= 0.0:
                # the slip reversed within the substep: it sticks
                self.stuck[j] = True
                changed = True
        return changed

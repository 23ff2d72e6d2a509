"""The world: engine, converter, 8HP, centre and axle diffs, four tyres and the body, closed-loop.

Fixed-step sub-stepping (SUBSTEP_S) inside each node step. The driveline is written in diff
coordinates q = (c, dc, df, dr): gearbox output speed c, centre-diff half-difference dc, and the
axle half-differences df, dr (wheel speeds: FL = (c+dc)/i+df, FR = (c+dc)/i-df, RL = (c-dc)/i+dr,
RR = (c-dc)/i-dr). In these coordinates the wheel inertias are diagonal and each diff clutch acts
on one coordinate. Tyre slip stiffness, brakes and clutches are stiff, so each substep is
linearly implicit in q (a 4x4 symmetric solve) with stick/slip friction elements; the body is
implicit in its own speed. Plain floats in the loop: no allocation per substep.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from hil.models.driveline import Driveline, DrivelineCalibration, DrivelineInputs, converter
from hil.models.engine import RPM, Engine, EngineCalibration
from hil.models.enums import Gear
from hil.models.hardware import HardwareCalibration
from hil.models.vehicle import V_SLIP_MIN_MPS, G, VehicleCalibration

SUBSTEP_S = 0.002  # 2 ms: stable with the implicit tyres and clutches; 0-60 within 0.03 s of 1 ms
STICK_NS_PER_RAD = 1.0e6  # damping standing in for a stuck brake/clutch (Nm per rad/s)
LOAD_TRANSFER_TAU_S = 0.05  # pitch settles about this fast (E)
KPH = 3.6


@dataclass(frozen=True, slots=True)
class PlantInputs:
    accel_pct: float
    brake_bar: float  # service brakes, all four wheels
    rear_brake_bar: float  # hydraulic handbrake, rear calipers only
    driveline: DrivelineInputs
    torque_limit_nm: float
    intervention: int
    blip_target_rpm: float
    grade_pct: float
    surfaces: tuple[str, str, str, str]  # FL, FR, RL, RR


@dataclass(frozen=True, slots=True)
class PlantOutputs:
    engine_rpm: float
    engine_torque_nm: float
    engine_torque_max_nm: float
    intervention_active: bool
    stalled: bool
    wheel_kph: tuple[float, float, float, float]  # magnitudes, as ABS reports them
    vehicle_kph: float  # signed speed over ground
    output_rpm: float  # gearbox output shaft (truth)


def _solve4(  # noqa: PLR0917 - unrolled hot-path solve: positional floats, no tuples
    k00: float, k01: float, k02: float, k03: float, k11: float, k12: float, k13: float,
    k22: float, k23: float, k33: float,
    b0: float, b1: float, b2: float, b3: float,
) -> tuple[float, float, float, float]:
    """Symmetric positive-definite 4x4 solve, unrolled Gaussian elimination."""
    l10 = k01 / k00
    l20 = k02 / k00
    l30 = k03 / k00
    a11 = k11 - l10 * k01
    a12 = k12 - l10 * k02
    a13 = k13 - l10 * k03
    a22 = k22 - l20 * k02
    a23 = k23 - l20 * k03
    a33 = k33 - l30 * k03
    y1 = b1 - l10 * b0
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
    x3 = y3 / a33
    x2 = (y2 - a23 * x3) / a22
    x1 = (y1 - a12 * x2 - a13 * x3) / a11
    x0 = (b0 - k01 * x1 - k02 * x2 - k03 * x3) / k00
    return x0, x1, x2, x3


class Plant:
    def __init__(self, engine: EngineCalibration, driveline: DrivelineCalibration,
                 vehicle: VehicleCalibration, hw: HardwareCalibration) -> None:
        self.engine = Engine(engine)
        self.driveline = Driveline(driveline, hw)
        self.ecal, self.dcal, self.vcal, self.hw = engine, driveline, vehicle, hw
        self.surf = {n: (s.mu_peak, s.crr, s.shape_b, s.shape_c, s.shape_e) for n, s in vehicle.surfaces.items()}
        # state
        self.c = self.dc = self.df = self.dr = 0.0  # diff coordinates, rad/s (c, dc in prop units)
        self.v = 0.0  # m/s over ground
        self.we = engine.idle_rpm / RPM  # crank
        self.wi = self.we  # gearbox input (turbine)
        self.locked = False  # lock-up clutch stuck (engine speed = turbine speed)
        self.ax = 0.0  # filtered longitudinal acceleration, for load transfer
        self.te = 0.0  # net crank torque of the last substep
        self.stick = [True, True, True, True, True, True, True]  # brakes FL FR RL RR, clutch c f r
        self.slip_sign = [1.0] * 7
        self._in_inertia = False
        self._last_ns: int | None = None
        self._tc_limit = 1e9
        self._lu_cap = 0.0

    def set_calibration(
        self, section: EngineCalibration | DrivelineCalibration | VehicleCalibration | HardwareCalibration,
    ) -> None:
        """A live calibration write (MQTT `calibration/set`): the section reaches the sub-model
        that uses it, derived tables are rebuilt, the physical state is kept."""
        if isinstance(section, EngineCalibration):
            self.ecal = section
            self.engine.set_calibration(section)
        elif isinstance(section, DrivelineCalibration):
            self.dcal = self.driveline.cal = section
        elif isinstance(section, VehicleCalibration):
            self.vcal = section
            self.surf = {n: (s.mu_peak, s.crr, s.shape_b, s.shape_c, s.shape_e) for n, s in section.surfaces.items()}
        else:
            self.hw = self.driveline.hw = section

    def _traction(self, dt_s: float) -> float:
        """ESC traction control, once per node step: an engine torque ceiling against wheelspin."""
        vc = self.vcal
        if vc.traction_slip_target <= 0.0:
            return 1e9
        v_kph = abs(self.v) * KPH
        w0, w1, w2, w3 = self.wheel_speeds()
        fastest = max(abs(w0), abs(w1), abs(w2), abs(w3)) * self.hw.rolling_radius_m * KPH
        excess = fastest - v_kph * (1.0 + vc.traction_slip_target) - vc.traction_slip_offset_kph
        # proportional on the slip excess, filtered like an ESC's 10 ms torque request
        t_max = self.engine.torque_max_nm
        target = t_max - vc.traction_gain_nm_per_kph * excess if excess > 0.0 else 1e9
        target = max(target, vc.traction_floor * t_max)
        if target < self._tc_limit:
            self._tc_limit = target
        else:
            self._tc_limit = min(target, max(self._tc_limit, 0.0) + vc.traction_recover_nm_per_s * dt_s)
        return self._tc_limit

    def wheel_speeds(self) -> tuple[float, float, float, float]:
        a = 1.0 / self.hw.final_drive
        cf, cr = a * (self.c + self.dc), a * (self.c - self.dc)
        return cf + self.df, cf - self.df, cr + self.dr, cr - self.dr

    def step(self, now_ns: int, inp: PlantInputs) -> PlantOutputs:
        """Advance from the previous call to `now_ns` (the first call advances one 10 ms step)."""
        dt_s = (now_ns - self._last_ns) / 1e9 if self._last_ns is not None else 0.01
        self._last_ns = now_ns
        hw, vc, dc_ = self.hw, self.vcal, self.dcal
        eng = self.driveline.engage(inp.driveline)
        engine = self.engine
        d = inp.driveline
        if engine.stalled and d.gear_actual in (Gear.N, Gear.P):
            engine.restart()
            self.we = self.ecal.idle_rpm / RPM
        engine.command(inp.accel_pct, min(inp.torque_limit_nm, self._traction(dt_s)), inp.intervention,
                       inp.blip_target_rpm, self.v * KPH < self.ecal.launch_below_kph)
        # ---- constants for this node step --------------------------------------------
        h = SUBSTEP_S
        n_sub = max(1, round(dt_s / h))
        a = 1.0 / hw.final_drive
        r = hw.rolling_radius_m
        m = vc.mass_kg
        jw = vc.wheel_inertia_kgm2
        jp2 = 2.0 * dc_.propshaft_inertia_kgm2
        je = self.ecal.inertia_kgm2
        jt = dc_.input_inertia_kgm2
        eta = dc_.gearbox_efficiency * dc_.axle_efficiency
        kf, str_, csr = dc_.converter_k_factor, dc_.converter_stall_torque_ratio, dc_.converter_coupling_speed_ratio
        # the lock-up clutch's pressure ramps in (a slammed lock-up would stall the engine)
        if d.lockup:
            self._lu_cap = min(dc_.lockup_capacity_nm, self._lu_cap + dc_.lockup_capacity_nm * dt_s * 1000.0
                               / dc_.lockup_ramp_ms)
        else:
            self._lu_cap = 0.0
        lu_cap = self._lu_cap
        cl_cap = dc_.oncoming_clutch_capacity_nm
        if not d.lockup:
            self.locked = False
        theta = math.atan(inp.grade_pct / 100.0)
        mg_cos = m * G * math.cos(theta)
        grade_n = m * G * math.sin(theta)
        half_rho_cda = 0.5 * vc.air_density_kg_m3 * vc.cda_m2
        fz_front, fz_rear = mg_cos * vc.front_weight_fraction / 2.0, mg_cos * (1.0 - vc.front_weight_fraction) / 2.0
        transfer_k = m * vc.cg_height_m / hw.wheelbase_m / 2.0
        surf = [self.surf[s] for s in inp.surfaces]
        crr_n = sum(s[1] for s in surf) / 4.0 * mg_cos
        # per tyre: (mu, B, C, E, B(1-E), E*B), the magic formula's constants for this step
        tyres = [(mu, sb, sc, se, sb * (1.0 - se), se * sb) for mu, _, sb, sc, se in surf]
        tb_front = inp.brake_bar * vc.front_brake_nm_per_bar
        tb_rear = inp.brake_bar * vc.rear_brake_nm_per_bar + inp.rear_brake_bar * vc.handbrake_nm_per_bar
        cap = [tb_front, tb_front, tb_rear, tb_rear, d.centre_nm, d.front_lock_nm, d.rear_lock_nm]
        cap_c, cap_f, cap_r = cap[4], cap[5], cap[6]
        stick, sgn = self.stick, self.slip_sign
        cs = STICK_NS_PER_RAD * h
        connected, park = eng.connected, eng.park
        old, rt, new = eng.ratio_old, eng.ratio_torque, eng.ratio_new
        inertia = eng.inertia_phase
        alpha = 0.0
        if inertia:
            if not self._in_inertia:
                self.wi = old * self.c
            target = self.c * (old + (new - old) * eng.progress)
            alpha = (target - self.wi) / (n_sub * h)
        self._in_inertia = inertia
        k_ax = h / LOAD_TRANSFER_TAU_S
        c, dcq, df, dr, v, we, wi = self.c, self.dc, self.df, self.dr, self.v, self.we, self.wi
        atan, sin, cos = math.atan, math.sin, math.cos
        te = 0.0
        # per-tyre scratch, overwritten every substep (no allocation in the loop)
        fx = [0.0, 0.0, 0.0, 0.0]
        dfw = [0.0, 0.0, 0.0, 0.0]
        kk = [0.0, 0.0, 0.0, 0.0]
        bb = [0.0, 0.0, 0.0, 0.0]
        a2 = a * a
        for _ in range(n_sub):
            # ---- engine and gearbox input ------------------------------------------------
            if connected and not inertia:
                wi = old * c
            elif not connected:
                wi = we
            if self.locked:
                we = wi
            te = engine.torque(h, we)
            m_c = 0.0  # inertia reflected onto c
            if not connected:
                q_c = 0.0
                we += h * te / je
            else:
                if self.locked:
                    t_in, j_in = te, je + jt
                else:
                    tp, tt = converter(we, wi, kf, str_, csr)
                    t_lu = lu_cap if we > wi else -lu_cap
                    t_in, j_in = tt + t_lu, jt
                    we_new = we + h * (te - tp - t_lu) / je
                    if lu_cap > 0.0 and (we_new - wi) * (we - wi) <= 0.0:
                        self.locked = True
                        we_new = wi
                    we = we_new
                if inertia:
                    # clutch torque = input torque + inertia torque, up to the clutch's capacity;
                    # past it the input speed lags the TCU's ramp
                    t_cl = t_in - j_in * alpha
                    if t_cl > cl_cap:
                        t_cl = cl_cap
                    elif t_cl < -cl_cap:
                        t_cl = -cl_cap
                    wi += h * (t_in - t_cl) / j_in
                    if self.locked:
                        we = wi
                    q_c = t_cl * new * eta
                else:
                    q_c = t_in * rt * eta
                    m_c = j_in * old * rt
            we = 0.0 if we < 0.0 else we  # = max(we, 0.0), no call
            # ---- tyres --------------------------------------------------------------------
            cf, cr = a * (c + dcq), a * (c - dcq)
            ws = (cf + df, cf - df, cr + dr, cr - dr)
            dtr = transfer_k * self.ax
            fzs = (fz_front - dtr, fz_front - dtr, fz_rear + dtr, fz_rear + dtr)
            den = v if v > V_SLIP_MIN_MPS else (-v if v < -V_SLIP_MIN_MPS else V_SLIP_MIN_MPS)
            dfdv = 0.0
            for i in range(4):
                mu, sb, sc, se, sb_1_se, se_sb = tyres[i]
                fz = fzs[i]
                fz = 0.0 if fz < 0.0 else fz  # = max(fz, 0.0), no call
                w = ws[i]
                kap = (w * r - v) / den
                bk = sb * kap
                phi = bk - se * (bk - atan(bk))
                ang = sc * atan(phi)
                muf = mu * fz
                f = muf * sin(ang)
                slope = muf * cos(ang) * sc / (1.0 + phi * phi) * (sb_1_se + se_sb / (1.0 + bk * bk)) / den
                slope = 0.0 if slope < 0.0 else slope  # = max(slope, 0.0), no call
                fx[i] = f
                dfw[i] = slope * r  # dF/dω
                dfdv -= slope
                d_i = slope * r * r
                k_i = jw + h * d_i
                b_i = jw * w + h * (d_i * w - r * f)
                tb = cap[i]
                if tb > 0.0:
                    if stick[i]:
                        k_i += cs
                    else:
                        b_i -= h * tb * sgn[i]
                kk[i] = k_i
                bb[i] = b_i
            # ---- implicit solve in q, with stick/slip friction ----------------------------
            b_c0 = m_c * c + h * q_c
            m_park = cs * 100.0 if park else 0.0
            for _pass in range(4):
                k0, k1, k2, k3 = kk
                s01, t01, s23, t23 = k0 + k1, k0 - k1, k2 + k3, k2 - k3
                k_cc = a2 * (s01 + s23) + m_c + jp2 + m_park
                k_dd = a2 * (s01 + s23) + jp2
                k_ff = s01
                k_rr = s23
                bq0 = a * (bb[0] + bb[1] + bb[2] + bb[3]) + b_c0 + jp2 * c
                bq1 = a * (bb[0] + bb[1] - bb[2] - bb[3]) + jp2 * dcq
                bq2 = bb[0] - bb[1]
                bq3 = bb[2] - bb[3]
                # diff clutches: centre on dc, front on df, rear on dr
                if cap_c > 0.0:
                    if stick[4]:
                        k_dd += cs
                    else:
                        bq1 -= h * cap_c * sgn[4]
                if cap_f > 0.0:
                    if stick[5]:
                        k_ff += cs
                    else:
                        bq2 -= h * cap_f * sgn[5]
                if cap_r > 0.0:
                    if stick[6]:
                        k_rr += cs
                    else:
                        bq3 -= h * cap_r * sgn[6]
                nc, ndc, ndf, ndr = _solve4(k_cc, a2 * (s01 - s23), a * t01, a * t23, k_dd, a * t01, -a * t23,
                                            k_ff, 0.0, k_rr, bq0, bq1, bq2, bq3)
                ncf, ncr = a * (nc + ndc), a * (nc - ndc)
                nws = (ncf + ndf, ncf - ndf, ncr + ndr, ncr - ndr, ndc, ndf, ndr)
                changed = False
                for j in range(7):
                    lim = cap[j]
                    if lim <= 0.0:
                        continue
                    x = nws[j]
                    if stick[j]:
                        if STICK_NS_PER_RAD * (x if x > 0.0 else -x) > lim:
                            stick[j] = False
                            sgn[j] = 1.0 if x > 0.0 else -1.0
                            changed = True
                    elif x * sgn[j] <= 0.0:
                        stick[j] = True
                        changed = True
                if not changed:
                    break
                for j in range(4):
                    tb = cap[j]
                    if tb > 0.0:
                        w = ws[j]
                        d_i = dfw[j] * r
                        k_i = jw + h * d_i
                        b_i = jw * w + h * (d_i * w - r * fx[j])
                        if stick[j]:
                            k_i += cs
                        else:
                            b_i -= h * tb * sgn[j]
                        kk[j] = k_i
                        bb[j] = b_i
            # ---- body (implicit in v) --------------------------------------------------------
            f_sum = (fx[0] + dfw[0] * (nws[0] - ws[0]) + fx[1] + dfw[1] * (nws[1] - ws[1])
                     + fx[2] + dfw[2] * (nws[2] - ws[2]) + fx[3] + dfw[3] * (nws[3] - ws[3]))
            roll = crr_n * (v / 0.05 if -0.05 < v < 0.05 else (1.0 if v > 0.0 else -1.0))
            resist = roll + half_rho_cda * v * (v if v > 0.0 else -v) + grade_n
            v_new = (m * v + h * (f_sum - resist - dfdv * v)) / (m - h * dfdv)
            self.ax += ((v_new - v) / h - self.ax) * k_ax
            v = v_new
            c, dcq, df, dr = nc, ndc, ndf, ndr
        if self.locked and connected:
            we = wi if inertia else old * c
        self.c, self.dc, self.df, self.dr, self.v, self.we, self.wi = c, dcq, df, dr, v, we, wi
        self.te = te
        w0, w1, w2, w3 = self.wheel_speeds()
        k = r * KPH
        return PlantOutputs(
            engine_rpm=we * RPM,
            engine_torque_nm=te,
            engine_torque_max_nm=engine.torque_max_nm,
            intervention_active=engine.intervention_active,
            stalled=engine.stalled,
            wheel_kph=(abs(w0) * k, abs(w1) * k, abs(w2) * k, abs(w3) * k),
            vehicle_kph=v * KPH,
            output_rpm=c * RPM,
        )

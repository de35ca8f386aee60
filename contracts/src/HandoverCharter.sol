// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IHandoverCharter} from "./interfaces/IHandoverCharter.sol";
import {RevenuePool} from "./RevenuePool.sol";

/**
 * @title HandoverCharter
 * @notice Hands the Caravan treasury (a {TimelockController} whose only proposer and canceller is this charter)
 * from the Foundation to the DAO in three phases:
 *
 * - FOUNDATION: the Foundation schedules and cancels treasury operations; the DAO's governor cannot schedule.
 * - TRANSITION: the governor (the DAO) schedules and cancels; the Foundation keeps only a guardian veto — it can
 *   cancel pending operations, nothing else — that expires on-chain {guardianDuration} after the phase starts.
 * - DAO: only the DAO. Final: no function moves the phase back or grants the Foundation anything.
 *
 * Moves are gated by time and callable by anyone once due: TRANSITION from {transitionNotBefore}; DAO once the DAO
 * approved the handover by a vote executed through the timelock ({approveHandover}) and {minTransitionDuration}
 * passed, or in any case once {sunsetDuration} passed, so the Foundation cannot stall the handover by vetoing the
 * approval vote.
 *
 * Executions are open to anyone on the timelock itself; the DAO (governor, or the timelock through a vote) can
 * cancel any pending operation in every phase after FOUNDATION, including ones the Foundation scheduled earlier.
 *
 * What may be scheduled:
 *
 * - FOUNDATION: only an allowlist — the Foundation runs the treasury and the platform's economics, nothing that
 *   changes who holds power: plain ETH transfers (empty calldata), ERC-20 `transfer(to, amount)`, and the revenue
 *   pool's `setFee` (≤ {FOUNDATION_MAX_FEE_BPS}), `setRoyalty` (≤ {FOUNDATION_MAX_ROYALTY_BPS}) and
 *   `setCurrency(token, enabled)`. Everything else — role grants, revocations and renunciations on any contract,
 *   ownership transfers or renunciations, the timelock's `updateDelay`, upgrades, the governor's `relay` or
 *   settings, any other call — is refused with {HandoverCharterCallNotAllowed}, alone or inside a batch.
 * - TRANSITION: anything the DAO votes, except a call to the timelock itself (its roles and delay stay as they are,
 *   so the guardian veto keeps its window) and the lasting-power calls below.
 * - DAO: anything, except the lasting-power calls below.
 * - In every phase: `grantRole(role, foundation)` and `transferOwnership(foundation)`, on any contract, are refused
 *   with {HandoverCharterForbiddenCall}, so that no operation hands the Foundation powers that outlive its phase.
 *
 * {checkCall} answers, without scheduling, whether a call would pass in the current phase.
 */
contract HandoverCharter is IHandoverCharter {
    /// @notice Treasury phases. Encoded as uint8: FOUNDATION = 0, TRANSITION = 1, DAO = 2.
    enum Phase {
        FOUNDATION,
        TRANSITION,
        DAO
    }

    /// @notice Highest platform fee (basis points) the Foundation may set: 10 %, the revenue pool's own ceiling.
    uint256 public constant FOUNDATION_MAX_FEE_BPS = 1_000;
    /// @notice Highest royalty share (basis points) the Foundation may set: 50 %, the revenue pool's own ceiling.
    uint256 public constant FOUNDATION_MAX_ROYALTY_BPS = 5_000;

    /// @notice The treasury timelock.
    TimelockController public immutable timelock;
    /// @notice The DAO's governor.
    address public immutable governor;
    /// @notice The Foundation.
    address public immutable foundation;
    /// @notice Earliest time the TRANSITION phase may start.
    uint64 public immutable transitionNotBefore;
    /// @notice How long the Foundation's guardian veto lasts after TRANSITION starts.
    uint64 public immutable guardianDuration;
    /// @notice Time in TRANSITION before an approved move to DAO.
    uint64 public immutable minTransitionDuration;
    /// @notice Time in TRANSITION after which anyone may move to DAO, approved or not.
    uint64 public immutable sunsetDuration;

    Phase private _phase;
    uint64 private _transitionStartedAt;
    bool private _handoverApproved;

    /// @notice Emitted when the phase changes.
    event PhaseChanged(Phase indexed from, Phase indexed to, address caller);
    /// @notice Emitted when the DAO approves the move to the DAO phase.
    event HandoverApproved();
    /// @notice Emitted when the Foundation uses its guardian veto.
    event GuardianCancelled(bytes32 indexed id);
    /// @notice Emitted when `proposer` schedules timelock operation `id` (of `calls` calls) in `phase`.
    event OperationProposed(bytes32 indexed id, address indexed proposer, Phase phase, uint256 calls);

    /// @notice A constructor argument is the zero address.
    error HandoverCharterZeroAddress();
    /// @notice Durations must satisfy guardian <= sunset and minimum transition <= sunset.
    error HandoverCharterInvalidSchedule(uint64 guardianDuration, uint64 minTransitionDuration, uint64 sunsetDuration);
    /// @notice `account` may not do this in the current phase.
    error HandoverCharterUnauthorized(address account, Phase phase);
    /// @notice The call needs phase `expected`; the charter is in `current`.
    error HandoverCharterWrongPhase(Phase current, Phase expected);
    /// @notice The phase move is not due before `dueAt`.
    error HandoverCharterNotDue(uint256 dueAt);
    /// @notice Calling `selector` on `target` could hand the Foundation lasting powers, or change the timelock's
    /// roles or delay before the DAO phase.
    error HandoverCharterForbiddenCall(address target, bytes4 selector);
    /// @notice Calling `selector` on `target` is not on the allowlist of phase `phase` (see the contract notes).
    error HandoverCharterCallNotAllowed(Phase phase, address target, bytes4 selector);
    /// @notice `value` for `selector` is above `max`, the most the Foundation may set.
    error HandoverCharterValueOutOfBounds(bytes4 selector, uint256 value, uint256 max);

    /**
     * @param timelock_ the treasury timelock (this charter must be its only proposer and canceller)
     * @param governor_ the DAO's governor
     * @param foundation_ the Foundation
     * @param transitionNotBefore_ earliest start of TRANSITION (unix seconds)
     * @param guardianDuration_ length of the Foundation's veto in TRANSITION (seconds)
     * @param minTransitionDuration_ time in TRANSITION before an approved move to DAO (seconds)
     * @param sunsetDuration_ time in TRANSITION after which the move to DAO needs no approval (seconds)
     */
    constructor(
        address timelock_,
        address governor_,
        address foundation_,
        uint64 transitionNotBefore_,
        uint64 guardianDuration_,
        uint64 minTransitionDuration_,
        uint64 sunsetDuration_
    ) {
        if (timelock_ == address(0) || governor_ == address(0) || foundation_ == address(0)) {
            revert HandoverCharterZeroAddress();
        }
        if (guardianDuration_ > sunsetDuration_ || minTransitionDuration_ > sunsetDuration_) {
            revert HandoverCharterInvalidSchedule(guardianDuration_, minTransitionDuration_, sunsetDuration_);
        }
        timelock = TimelockController(payable(timelock_));
        governor = governor_;
        foundation = foundation_;
        transitionNotBefore = transitionNotBefore_;
        guardianDuration = guardianDuration_;
        minTransitionDuration = minTransitionDuration_;
        sunsetDuration = sunsetDuration_;
    }

    // ---------------------------------------------------------------- phase moves

    /// @notice Starts TRANSITION. Anyone, once {transitionNotBefore} has passed.
    function startTransition() external {
        _requirePhase(Phase.FOUNDATION);
        if (block.timestamp < transitionNotBefore) revert HandoverCharterNotDue(transitionNotBefore);
        _phase = Phase.TRANSITION;
        _transitionStartedAt = uint64(block.timestamp);
        emit PhaseChanged(Phase.FOUNDATION, Phase.TRANSITION, msg.sender);
    }

    /// @notice Records the DAO's approval of the move to DAO. Only the timelock, i.e. through an executed vote.
    function approveHandover() external {
        if (msg.sender != address(timelock)) revert HandoverCharterUnauthorized(msg.sender, _phase);
        _requirePhase(Phase.TRANSITION);
        _handoverApproved = true;
        emit HandoverApproved();
    }

    /// @notice Moves to the final DAO phase. Anyone, once {handoverDueAt} has passed.
    function completeHandover() external {
        _requirePhase(Phase.TRANSITION);
        uint256 dueAt = handoverDueAt();
        if (block.timestamp < dueAt) revert HandoverCharterNotDue(dueAt);
        _phase = Phase.DAO;
        emit PhaseChanged(Phase.TRANSITION, Phase.DAO, msg.sender);
    }

    // ---------------------------------------------------------------- treasury gate

    /**
     * @notice Schedules one operation on the timelock. FOUNDATION: the Foundation, allowlisted calls only; later:
     * the governor. Arguments as in {TimelockController-schedule}.
     */
    function schedule(address target, uint256 value, bytes calldata data, bytes32 predecessor, bytes32 salt, uint256 delay)
        external
    {
        _requireProposer();
        Phase current = _phase;
        _checkCall(current, target, data);
        timelock.schedule(target, value, data, predecessor, salt, delay);
        emit OperationProposed(timelock.hashOperation(target, value, data, predecessor, salt), msg.sender, current, 1);
    }

    /// @inheritdoc IHandoverCharter
    /// @dev Every call of the batch is checked as {schedule} checks one; one refused call refuses the batch.
    function scheduleBatch(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata payloads,
        bytes32 predecessor,
        bytes32 salt,
        uint256 delay
    ) external {
        _requireProposer();
        Phase current = _phase;
        // Arrays of different lengths are refused by the timelock, so no payload escapes this loop unscheduled.
        for (uint256 i = 0; i < targets.length && i < payloads.length; ++i) {
            _checkCall(current, targets[i], payloads[i]);
        }
        timelock.scheduleBatch(targets, values, payloads, predecessor, salt, delay);
        emit OperationProposed(
            timelock.hashOperationBatch(targets, values, payloads, predecessor, salt), msg.sender, current, targets.length
        );
    }

    /// @inheritdoc IHandoverCharter
    function cancel(bytes32 id) external {
        if (!canCancel(msg.sender)) revert HandoverCharterUnauthorized(msg.sender, _phase);
        timelock.cancel(id);
        if (msg.sender == foundation && _phase == Phase.TRANSITION) emit GuardianCancelled(id);
    }

    // ---------------------------------------------------------------- views

    /// @notice The current phase.
    function phase() external view returns (Phase) {
        return _phase;
    }

    /// @notice When TRANSITION started (0 before).
    function transitionStartedAt() external view returns (uint64) {
        return _transitionStartedAt;
    }

    /// @notice Whether the DAO approved the move to DAO.
    function handoverApproved() external view returns (bool) {
        return _handoverApproved;
    }

    /// @notice When the Foundation's guardian veto expires (0 before TRANSITION starts).
    function guardianExpiresAt() public view returns (uint256) {
        uint256 started = _transitionStartedAt;
        return started == 0 ? 0 : started + guardianDuration;
    }

    /// @notice When the move to DAO is due (0 before TRANSITION starts).
    function handoverDueAt() public view returns (uint256) {
        uint256 started = _transitionStartedAt;
        if (started == 0) return 0;
        return started + (_handoverApproved ? minTransitionDuration : sunsetDuration);
    }

    /**
     * @notice Reverts as {schedule} would for calling `target` with `data` in the current phase; returns otherwise.
     * @dev Lets a client tell a proposer what the charter refuses before a vote is spent on it.
     */
    function checkCall(address target, bytes calldata data) external view {
        _checkCall(_phase, target, data);
    }

    /// @notice Whether `account` may schedule treasury operations now.
    function canPropose(address account) public view returns (bool) {
        return _phase == Phase.FOUNDATION ? account == foundation : account == governor;
    }

    /// @notice Whether `account` may cancel pending treasury operations now.
    function canCancel(address account) public view returns (bool) {
        Phase current = _phase;
        if (account == foundation) {
            return current == Phase.FOUNDATION || (current == Phase.TRANSITION && block.timestamp < guardianExpiresAt());
        }
        if (account == governor) return true;
        return account == address(timelock) && current != Phase.FOUNDATION;
    }

    /// @dev Reverts for calls `phase` does not allow (see the contract notes).
    function _checkCall(Phase current, address target, bytes calldata data) private view {
        bytes4 selector = bytes4(data); // zero-padded when shorter than 4 bytes
        if (current == Phase.FOUNDATION) {
            _checkFoundationCall(target, data, selector);
            return;
        }
        if (data.length == 0) return;
        // The timelock administers itself: its roles and delay stay fixed until the DAO phase.
        if (target == address(timelock) && current != Phase.DAO) revert HandoverCharterForbiddenCall(target, selector);
        if (
            (selector == IAccessControl.grantRole.selector && data.length >= 68 && _word(data, 36) == foundation)
                || (selector == Ownable.transferOwnership.selector && data.length >= 36 && _word(data, 4) == foundation)
        ) revert HandoverCharterForbiddenCall(target, selector);
    }

    /// @dev The FOUNDATION phase's allowlist: treasury transfers and bounded revenue-pool settings, nothing else.
    function _checkFoundationCall(address target, bytes calldata data, bytes4 selector) private pure {
        if (data.length == 0) return; // a plain ETH transfer
        // Exact lengths: the arguments are exactly the ABI words of the allowlisted signature, nothing hidden after.
        if (data.length == 68 && (selector == IERC20.transfer.selector || selector == RevenuePool.setCurrency.selector)) {
            return;
        }
        uint256 max = selector == RevenuePool.setFee.selector
            ? FOUNDATION_MAX_FEE_BPS
            : selector == RevenuePool.setRoyalty.selector ? FOUNDATION_MAX_ROYALTY_BPS : 0;
        if (max == 0 || data.length != 36) revert HandoverCharterCallNotAllowed(Phase.FOUNDATION, target, selector);
        uint256 value = uint256(bytes32(data[4:36]));
        if (value > max) revert HandoverCharterValueOutOfBounds(selector, value, max);
    }

    /// @dev The address in the 32-byte ABI word of `data` at `offset`.
    function _word(bytes calldata data, uint256 offset) private pure returns (address) {
        return address(uint160(uint256(bytes32(data[offset:offset + 32]))));
    }

    function _requireProposer() private view {
        if (!canPropose(msg.sender)) revert HandoverCharterUnauthorized(msg.sender, _phase);
    }

    function _requirePhase(Phase expected) private view {
        if (_phase != expected) revert HandoverCharterWrongPhase(_phase, expected);
    }
}

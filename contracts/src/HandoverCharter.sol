// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";
import {IHandoverCharter} from "./interfaces/IHandoverCharter.sol";

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
 * So that no operation can hand the Foundation powers that outlive its phase, the charter refuses to schedule:
 * any change of the timelock's own roles before the DAO phase (the timelock administers itself), and, in every
 * phase, `grantRole(role, foundation)` or `transferOwnership(foundation)` on any contract.
 */
contract HandoverCharter is IHandoverCharter {
    /// @notice Treasury phases. Encoded as uint8: FOUNDATION = 0, TRANSITION = 1, DAO = 2.
    enum Phase {
        FOUNDATION,
        TRANSITION,
        DAO
    }

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
    /// @notice Calling `selector` on `target` could hand the Foundation lasting powers.
    error HandoverCharterForbiddenCall(address target, bytes4 selector);

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

    /// @notice Schedules one operation on the timelock. FOUNDATION: the Foundation; later: the governor.
    function schedule(address target, uint256 value, bytes calldata data, bytes32 predecessor, bytes32 salt, uint256 delay)
        external
    {
        _requireProposer();
        _checkCall(target, data);
        timelock.schedule(target, value, data, predecessor, salt, delay);
    }

    /// @inheritdoc IHandoverCharter
    function scheduleBatch(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata payloads,
        bytes32 predecessor,
        bytes32 salt,
        uint256 delay
    ) external {
        _requireProposer();
        for (uint256 i = 0; i < targets.length && i < payloads.length; ++i) {
            _checkCall(targets[i], payloads[i]);
        }
        timelock.scheduleBatch(targets, values, payloads, predecessor, salt, delay);
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

    /// @dev Reverts for calls that could give the Foundation powers beyond its phase (see the contract notes).
    function _checkCall(address target, bytes calldata data) private view {
        if (data.length < 4) return;
        bytes4 selector = bytes4(data[:4]);
        bool roleChange = selector == IAccessControl.grantRole.selector
            || selector == IAccessControl.revokeRole.selector || selector == IAccessControl.renounceRole.selector;
        if (roleChange && target == address(timelock) && _phase != Phase.DAO) {
            revert HandoverCharterForbiddenCall(target, selector);
        }
        if (
            (selector == IAccessControl.grantRole.selector && data.length >= 68 && _word(data, 36) == foundation)
                || (selector == Ownable.transferOwnership.selector && data.length >= 36 && _word(data, 4) == foundation)
        ) revert HandoverCharterForbiddenCall(target, selector);
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

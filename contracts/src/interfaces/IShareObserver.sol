// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/**
 * @title IShareObserver
 * @notice Told by {Receipts} right before a holder's shares in an asset change, so that accounting keyed on
 * shares (the revenue pool's reward-per-share) can settle what the holder earned with the old shares.
 */
interface IShareObserver {
    /// @notice Called before the shares of `holder` in `assetId` change.
    function onSharesChanging(uint256 assetId, address holder) external;
}
